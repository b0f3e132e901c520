from django.urls import path

from . import views

urlpatterns = [
    path("units/<str:code>/", views.document_form, name="document_form"),
    path("units/<str:code>/<str:kind>.docx", views.document_docx, name="document_docx"),
    path("units/<str:code>/<str:kind>.pdf", views.document_pdf, name="document_pdf"),
]
