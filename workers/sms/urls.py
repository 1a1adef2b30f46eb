"""The providers' webhooks, under /sms/ (see `workers.sms.webhooks`)."""

from django.urls import path

from workers.sms import webhooks

urlpatterns = [
    path("<slug:provider>/inbound/", webhooks.inbound, name="sms-inbound"),
    path("<slug:provider>/status/", webhooks.status, name="sms-status"),
]
