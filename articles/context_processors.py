from .models import Category


def site(request):
    """The section navigation on every page (lazy: queried only if shown)."""
    return {"nav_sections": Category.objects.order_by("pk")}
