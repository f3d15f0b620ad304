#!/usr/bin/env python
"""Django's command-line utility for Fubi."""

import os
import sys


def main() -> None:
    # Production unless told otherwise, as config.wsgi and config.celery: a command run on a server
    # without DJANGO_SETTINGS_MODULE (migrate, seed_demo, ...) must not get DEBUG and the published
    # development key. Development says so: `make run` sets config.settings.base.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
