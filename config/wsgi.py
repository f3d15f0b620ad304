import gc
import os

from django.core.wsgi import get_wsgi_application

# A server started without DJANGO_SETTINGS_MODULE runs the production settings, which refuse to
# start without a real secret key and allowed hosts: never DEBUG with the published development key.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
# Everything loaded so far lives as long as the process: keep it out of the garbage collector's
# passes, which otherwise re-scan these objects again and again under load (a few % of CPU).
gc.freeze()
