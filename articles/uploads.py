"""The Markdown editor's image upload (django-markdownx's drag and drop).

markdownx's own `ImageUploadView` trusts the content type the browser declares
and keeps the client's extension, so an HTML page sent as image/gif was stored
as .html and served from the site's origin. This view replaces it at the same
URL and name: the file goes through `images.checked_upload` like every other
upload, and the answer is what markdownx's editor script reads,
`{"image_code": "![](url)"}` on success, the form's errors as JSON with 400
otherwise.
"""

from pathlib import PurePosixPath
from uuid import uuid4

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from .images import checked_upload

ADD_ARTICLE = "articles.add_article"


class ImageUploadForm(forms.Form):
    image = forms.FileField()

    def clean_image(self):
        return checked_upload(self.cleaned_data["image"])


@require_POST
@csrf_protect
def markdownx_upload(request):
    """Store a checked image under MARKDOWNX_MEDIA_PATH; answer markdownx's JSON.

    Visitors are sent to the admin login (as by the admin's other endpoints);
    signed-in users who may not write articles get 403.
    """
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), "admin:login")
    if not (user.is_active and user.is_staff and user.has_perm(ADD_ARTICLE)):
        return JsonResponse({"__all__": ["You may not upload images."]}, status=403)
    form = ImageUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    image = form.cleaned_data["image"]
    extension = PurePosixPath(image.name).suffix
    name = default_storage.save(
        f"{settings.MARKDOWNX_MEDIA_PATH.rstrip('/')}/{uuid4().hex}{extension}", image
    )
    return JsonResponse({"image_code": f"![]({default_storage.url(name)})"})
