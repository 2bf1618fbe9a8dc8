from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("", views.book, name="book"),
    path("book/quote/", views.quote, name="quote"),
    path("orders/", views.order_list, name="list"),
    path("orders/<str:number>/", views.order_detail, name="detail"),
    path("orders/<str:number>/cancel/", views.order_cancel, name="cancel"),
    path("orders/<str:number>/delete/", views.order_delete, name="delete"),
    path("orders/<str:number>/receipt/", views.order_receipt, name="receipt"),
    path("orders/<str:number>/receipt.pdf", views.order_receipt_pdf, name="receipt_pdf"),
    path("orders/<str:number>/claim/", views.claim_file, name="claim_file"),
    path("orders/<str:number>/claim/documents/", views.claim_documents_add, name="claim_documents_add"),
    path("orders/<str:number>/claim/documents/<int:pk>/", views.claim_document, name="claim_document"),
    path("claims/documents/<str:token>/", views.claim_document_link, name="claim_document_link"),
]
