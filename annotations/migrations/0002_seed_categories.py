"""Seed the eight dolly task categories with their guidelines and an example each."""

from django.db import migrations

CATEGORIES = [
    {
        "key": "open_qa",
        "name": "Open QA",
        "needs_context": False,
        "summary": "A question anyone could ask, answered from general knowledge.",
        "guidelines": (
            "Write a question that a curious person might type into a search box, then answer it "
            "the way a knowledgeable colleague would.\n\n"
            "- The answer must come from what you know (and may check), **not** from a passage you paste in.\n"
            "- Prefer questions with a clear, factual answer; a short explanation of *why* makes it better.\n"
            "- Do not copy text from the web and do not use generative AI tools to write it."
        ),
        "example_instruction": "Why do onions make people cry when they are cut?",
        "example_response": (
            "Cutting an onion breaks its cells and releases enzymes that turn sulphur compounds into a "
            "volatile gas (syn-propanethial-S-oxide). When the gas reaches the eyes it irritates the nerves "
            "of the cornea, and the tear glands respond by producing tears to wash it away."
        ),
    },
    {
        "key": "closed_qa",
        "name": "Closed QA",
        "needs_context": True,
        "summary": "A question answered only from a reference text you provide.",
        "guidelines": (
            "Paste a passage of reference text (a Wikipedia paragraph is ideal, with its address), then "
            "write a question whose answer is in that passage, and the answer.\n\n"
            "- The answer must follow from the passage alone, without outside knowledge.\n"
            "- Ask about facts, dates, reasons or comparisons stated in the text.\n"
            "- Keep the answer in your own words; quote only what you must."
        ),
        "example_instruction": "According to the passage, when did the bridge open to traffic?",
        "example_context": (
            "The Old Mill Bridge was designed in 1898 and built over the next four years. After delays "
            "caused by spring floods, it opened to horse-drawn traffic in May 1903 and to motor cars in 1911."
        ),
        "example_response": "It opened to horse-drawn traffic in May 1903; motor cars were allowed from 1911.",
    },
    {
        "key": "information_extraction",
        "name": "Information extraction",
        "needs_context": True,
        "summary": "Pull specific facts out of a reference text into a list or a structure.",
        "guidelines": (
            "Paste a reference passage and ask for particular pieces of information from it: names, dates, "
            "figures, a list of items, a table.\n\n"
            "- Say exactly what to extract and in which shape (a list, comma-separated, a table).\n"
            "- The response contains only what the passage states.\n"
            "- Give the address of the passage in the source field."
        ),
        "example_instruction": "List every river named in the text, separated by commas.",
        "example_context": (
            "The valley is drained by the Aller, which rises in the eastern hills and joins the Weser near "
            "Verden. Its main tributaries are the Oker and the Leine."
        ),
        "example_response": "Aller, Weser, Oker, Leine",
    },
    {
        "key": "summarization",
        "name": "Summarization",
        "needs_context": True,
        "summary": "Summarise a reference text faithfully and briefly.",
        "guidelines": (
            "Paste a passage of a few paragraphs and ask for a summary, optionally of a given length or "
            "for a given reader.\n\n"
            "- The summary keeps the main points and adds nothing the text does not say.\n"
            "- It is clearly shorter than the passage and written in your own words."
        ),
        "example_instruction": "Summarise this passage in two sentences for a new employee.",
        "example_context": (
            "Our expense policy changed in January. Travel must now be booked through the internal portal, "
            "which applies the negotiated rates automatically. Receipts are photographed in the mobile app "
            "instead of being posted, and claims are paid within five working days of approval."
        ),
        "example_response": (
            "Since January, book all travel through the internal portal so the negotiated rates apply. "
            "Photograph receipts in the mobile app; approved claims are paid within five working days."
        ),
    },
    {
        "key": "brainstorming",
        "name": "Brainstorming",
        "needs_context": False,
        "summary": "Ask for ideas, and give a varied list of good ones.",
        "guidelines": (
            "Ask for ideas on a topic (names, activities, approaches, gifts...) and write a response with "
            "several distinct, useful ideas.\n\n"
            "- Aim for variety rather than many versions of one idea.\n"
            "- A short reason for each idea helps the reader choose."
        ),
        "example_instruction": "Give me ideas for a team activity that works for people in three time zones.",
        "example_response": (
            "- A shared photo challenge with a new theme each day, posted in a chat channel.\n"
            "- An asynchronous quiz that everyone answers within 24 hours, with results on Friday.\n"
            "- A recipe exchange: each person cooks a dish from another teammate's region.\n"
            "- A short overlapping-hours video call for a game such as Pictionary."
        ),
    },
    {
        "key": "classification",
        "name": "Classification",
        "needs_context": False,
        "summary": "Sort items into classes, or label them, following stated rules.",
        "guidelines": (
            "Give a list of items (or a short text) and the classes to put them in, then write the correct "
            "classification.\n\n"
            "- The classes must be stated in the instruction.\n"
            "- Choose items whose class is unambiguous, or explain the tricky ones."
        ),
        "example_instruction": "Classify each as a fruit or a vegetable in the culinary sense: carrot, pear, leek, plum.",
        "example_response": "Fruit: pear, plum. Vegetable: carrot, leek.",
    },
    {
        "key": "creative_writing",
        "name": "Creative writing",
        "needs_context": False,
        "summary": "Poems, stories, letters, slogans: original writing with constraints.",
        "guidelines": (
            "Ask for a piece of original writing and write it: a poem, a short story, a speech, a product "
            "description.\n\n"
            "- Give constraints in the instruction (length, tone, audience, form).\n"
            "- The response must be your own work; no copying, no AI tools."
        ),
        "example_instruction": "Write a four-line poem about the first cup of coffee on a Monday.",
        "example_response": (
            "The kettle sighs, the office hums,\n"
            "a week of unread mail becomes\n"
            "a little lighter, cup in hand,\n"
            "and Monday starts to understand."
        ),
    },
    {
        "key": "general_qa",
        "name": "General QA",
        "needs_context": False,
        "summary": "Any other useful question or request, answered well.",
        "guidelines": (
            "For anything that fits no other category: advice, explanations, how-to questions, opinions "
            "with reasons.\n\n"
            "- Write the instruction as a real person would ask it.\n"
            "- Answer helpfully, accurately and in your own words."
        ),
        "example_instruction": "How should I prepare for my first performance review?",
        "example_response": (
            "Collect a list of what you delivered and its effect, with numbers where you have them. Re-read "
            "your goals from the start of the year, note where you exceeded or missed them and why, and "
            "prepare two or three things you want to learn next, so the conversation is about the future too."
        ),
    },
]


def seed(apps, schema_editor):
    Category = apps.get_model("annotations", "Category")
    for position, data in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(key=data["key"], defaults={**data, "position": position})


def unseed(apps, schema_editor):
    Category = apps.get_model("annotations", "Category")
    Category.objects.filter(key__in=[c["key"] for c in CATEGORIES], demonstrations__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
