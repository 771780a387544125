from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="list"),
    path("article/<int:number>/", views.article_detail, name="detail-short"),
    path("article/<int:number>/<str:slug>/", views.article_detail, name="detail"),
    # Any other path of the original site, /article/<id>/<anything/with/slashes>,
    # redirects to the canonical URL.
    path(
        "article/<int:number>/<path:slug>", views.article_detail, name="detail-legacy"
    ),
]
