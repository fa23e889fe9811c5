from django.core.management.base import BaseCommand

from knowledge.selectors import knowledge_answerable, knowledge_search


class Command(BaseCommand):
    help = "Print the knowledge base's ranked hits for a question, with scores and citations."

    def add_arguments(self, parser):
        parser.add_argument("query")
        parser.add_argument("--k", type=int, default=5)
        parser.add_argument("--tags", default="", help="Comma-separated; keeps chunks having any of them.")

    def handle(self, *args, query, k, tags, **options):
        tag_list = [t for t in tags.split(",") if t.strip()] or None
        hits = knowledge_search(query, k=k, tags=tag_list)
        for rank, hit in enumerate(hits, 1):
            self.stdout.write(
                f"{rank}. {hit.score:.3f}  {hit.citation}  [vector #{hit.vector_rank or '-'}, "
                f"text #{hit.text_rank or '-'}, similarity {hit.similarity if hit.similarity is not None else '-'}]"
            )
            self.stdout.write("   " + hit.text.replace("\n", "\n   "))
        if not hits:
            self.stdout.write("no hits")
        self.stdout.write(f"answerable: {'yes' if knowledge_answerable(hits) else 'no'}")
