"""Feed formats beyond Django's own: RSS with `content:encoded` and Atom
with `content` (the full article, when a feed is asked for it), and JSON
Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""

import json

from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed


class FullRss(Rss201rev2Feed):
    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])


class FullAtom(Atom1Feed):
    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


class JsonFeed(SyndicationFeed):
    content_type = "application/feed+json; charset=utf-8"

    def write(self, outfile, encoding):
        feed = self.feed
        data = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": feed["title"],
            "home_page_url": feed["link"],
            "feed_url": feed["feed_url"],
            "description": feed["description"],
            "language": feed["language"],
            "items": [self._item(item) for item in self.items],
        }
        outfile.write(json.dumps(data, ensure_ascii=False, indent=None))

    @staticmethod
    def _item(item) -> dict:
        entry = {
            "id": item["unique_id"] or item["link"],
            "url": item["link"],
            "title": item["title"],
            # Every item carries content: the whole article in a full feed,
            # else what the RSS and Atom summaries say.
            "content_html": item.get("content_html") or item["description"] or "",
        }
        if item.get("summary"):
            entry["summary"] = item["summary"]
        if item["pubdate"] is not None:
            entry["date_published"] = item["pubdate"].isoformat()
        if item["updateddate"] is not None:
            entry["date_modified"] = item["updateddate"].isoformat()
        if item.get("authors"):
            entry["authors"] = item["authors"]
        if item["categories"]:
            entry["tags"] = list(item["categories"])
        if item.get("image"):
            entry["image"] = item["image"]
        return entry
