from django.urls import path

from . import channel_views, views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("push/subscribe/", channel_views.push_subscribe, name="push_subscribe"),
    path("push/unsubscribe/", channel_views.push_unsubscribe, name="push_unsubscribe"),
    path("wechat/bind/", channel_views.wechat_bind, name="wechat_bind"),
    path("wechat/callback/", channel_views.wechat_callback, name="wechat_callback"),
    path("wechat/unbind/", channel_views.wechat_unbind, name="wechat_unbind"),
]
