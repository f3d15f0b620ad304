from django.urls import path

from rewards import views

urlpatterns = [
    path("rewards/", views.shop_page, name="rewards_shop"),
    path("rewards/orders/", views.orders_page, name="rewards_orders"),
    path("rewards/orders/<int:redemption_id>/cancel/", views.order_cancel, name="rewards_order_cancel"),
    path("rewards/<int:reward_id>/", views.reward_page, name="rewards_item"),
    path("staff/fulfil/", views.fulfil_page, name="rewards_fulfil"),
]
