"""URLs of the workers app: the development mailbox and SMS box."""

from django.urls import path

from workers import views

mailbox_patterns = [
    path("", views.mail_list, name="mailbox"),
    path("clear/", views.mail_clear, name="mailbox-clear"),
    path("<str:mail_id>/", views.mail_detail, name="mailbox-detail"),
    path("<str:mail_id>/html/", views.mail_html, name="mailbox-html"),
    path(
        "<str:mail_id>/attachments/<int:index>/", views.mail_attachment, name="mailbox-attachment"
    ),
]

sms_box_patterns = [
    path("", views.sms_box, name="sms-box"),
    path("reply/", views.sms_box_reply, name="sms-box-reply"),
    path("clear/", views.sms_box_clear, name="sms-box-clear"),
]
