"""The demo site's accounts and demonstrations (written by ``manage.py load_demo``)."""

from annotations.models import Status

ACCOUNTS = [
    # username, password, role
    ("admin", "demo-admin-pass", "admin"),
    ("reviewer", "demo-reviewer-pass", "reviewer"),
    ("alice", "demo-alice-pass", "contributor"),
    ("bob", "demo-bob-pass", "contributor"),
    ("carol", "demo-carol-pass", "contributor"),
]

WIKI = "https://en.wikipedia.org/wiki/"

# (author, category, instruction, context, source, response, final status)
DEMONSTRATIONS = [
    (
        "alice",
        "open_qa",
        "What is the difference between weather and climate?",
        "",
        "",
        "Weather is the state of the atmosphere at a given place and moment: today's rain or tomorrow's "
        "heat. Climate is the pattern of that weather averaged over decades, such as how wet a region's "
        "winters usually are.",
        Status.APPROVED,
    ),
    (
        "alice",
        "open_qa",
        "Why is the sky blue during the day?",
        "",
        "",
        "Sunlight is scattered by the molecules of the air, and short blue wavelengths are scattered much "
        "more than long red ones, so blue light reaches our eyes from every direction of the sky.",
        Status.SUBMITTED,
    ),
    (
        "bob",
        "open_qa",
        "How many bones does an adult human have?",
        "",
        "",
        "An adult human skeleton usually has 206 bones; babies are born with around 270, some of which "
        "fuse as they grow.",
        Status.APPROVED,
    ),
    (
        "carol",
        "open_qa",
        "What does a router do in a home network?",
        "",
        "",
        "It connects the devices in the home to each other and to the internet, hands out local "
        "addresses and forwards traffic between the home network and the provider.",
        Status.DRAFT,
    ),
    (
        "alice",
        "closed_qa",
        "Based on the text, what material was the first version of the tower made of?",
        "The harbour lighthouse was first built in 1821 as a timber tower. After a storm damaged it in 1846, "
        "the town replaced it with a granite tower, which still stands and was automated in 1987.",
        WIKI + "Lighthouse",
        "The first tower was made of timber; it was replaced by granite after 1846.",
        Status.APPROVED,
    ),
    (
        "bob",
        "closed_qa",
        "When was the lighthouse automated, according to the passage?",
        "The harbour lighthouse was first built in 1821 as a timber tower. After a storm damaged it in 1846, "
        "the town replaced it with a granite tower, which still stands and was automated in 1987.",
        WIKI + "Lighthouse",
        "In 1987.",
        Status.CHANGES_REQUESTED,
    ),
    (
        "carol",
        "closed_qa",
        "What does the passage say pandas mostly eat?",
        "The giant panda lives in mountain forests of central China. Although it belongs to the order "
        "Carnivora, its diet is more than 99 percent bamboo, and it spends up to fourteen hours a day eating.",
        WIKI + "Giant_panda",
        "Bamboo makes up more than 99 percent of its diet.",
        Status.SUBMITTED,
    ),
    (
        "alice",
        "information_extraction",
        "List the years mentioned in the text in chronological order.",
        "The library opened in 1894, moved to a new building in 1932, and was extended in 1961 and again "
        "in 2004 after a public campaign.",
        WIKI + "Library",
        "1894, 1932, 1961, 2004",
        Status.APPROVED,
    ),
    (
        "bob",
        "information_extraction",
        "Extract the names of the instruments and the players as a list.",
        "The trio formed in 2011: Mia Laine on cello, Tomas Berg on piano and Ada Okafor on violin. They "
        "recorded their first album in a converted church.",
        WIKI + "Piano_trio",
        "- Cello: Mia Laine\n- Piano: Tomas Berg\n- Violin: Ada Okafor",
        Status.SUBMITTED,
    ),
    (
        "carol",
        "information_extraction",
        "What are the opening hours given in the text?",
        "The museum is open from 10:00 to 18:00 from Tuesday to Sunday, with late opening until 21:00 on "
        "Thursdays. It is closed on Mondays.",
        WIKI + "Museum",
        "Tuesday to Sunday 10:00 to 18:00, Thursdays until 21:00; closed on Mondays.",
        Status.REJECTED,
    ),
    (
        "alice",
        "summarization",
        "Summarise the passage in one sentence.",
        "Honeybees communicate the location of food with a 'waggle dance'. The angle of the dance relative "
        "to vertical shows the direction of the food relative to the sun, and the length of the waggle "
        "run shows the distance. Other bees follow the dancer and then fly out to the source.",
        WIKI + "Waggle_dance",
        "Honeybees tell each other where food is by dancing: the angle gives the "
        "direction relative to the sun and the length of the waggle gives the distance.",
        Status.APPROVED,
    ),
    (
        "bob",
        "summarization",
        "Give a short summary for a child.",
        "Volcanoes form where molten rock called magma rises from deep inside the Earth. When pressure "
        "builds up, the magma escapes through openings in the crust as lava, ash and gas. Over many "
        "eruptions the cooled lava can build a mountain.",
        WIKI + "Volcano",
        "A volcano is a place where hot melted rock from inside the Earth comes out. Each time it erupts, "
        "the lava cools and the mountain grows a little.",
        Status.DRAFT,
    ),
    (
        "carol",
        "summarization",
        "Summarise the main argument.",
        "Remote work reduces commuting time and lets companies hire far from their offices. Critics argue "
        "that it weakens mentoring of junior staff and makes spontaneous collaboration rarer, so many "
        "teams now combine office days with remote days.",
        WIKI + "Remote_work",
        "Remote work saves commuting and widens hiring, but can hurt mentoring and spontaneous "
        "collaboration, so many teams mix office and remote days.",
        Status.SUBMITTED,
    ),
    (
        "alice",
        "brainstorming",
        "Suggest names for a book club at work.",
        "",
        "",
        "- Chapter & Verse\n- The Lunch Readers\n- Between the Lines\n- Page Turners Anonymous\n- Spine Club",
        Status.APPROVED,
    ),
    (
        "bob",
        "brainstorming",
        "What can I do with leftover rice?",
        "",
        "",
        "Fried rice with vegetables and egg; rice pudding with milk, sugar and cinnamon; stuffed peppers; "
        "arancini balls; a rice salad with beans and herbs.",
        Status.SUBMITTED,
    ),
    (
        "carol",
        "brainstorming",
        "Give me ideas to make onboarding week less overwhelming.",
        "",
        "",
        "Pair each newcomer with a buddy, spread the tool set-up over several days, give a one-page map of "
        "who does what, schedule one small real task to finish by Friday, and leave free time to read.",
        Status.CHANGES_REQUESTED,
    ),
    (
        "alice",
        "classification",
        "Classify these as mammals or birds: bat, penguin, dolphin, ostrich.",
        "",
        "",
        "Mammals: bat, dolphin. Birds: penguin, ostrich.",
        Status.APPROVED,
    ),
    (
        "bob",
        "classification",
        "Is each of these a renewable or non-renewable energy source: coal, wind, natural gas, solar?",
        "",
        "",
        "Renewable: wind, solar. Non-renewable: coal, natural gas.",
        Status.APPROVED,
    ),
    (
        "carol",
        "classification",
        "Sort into odd and even: 3, 8, 15, 22, 41.",
        "",
        "",
        "Odd: 3, 15, 41. Even: 8, 22.",
        Status.DRAFT,
    ),
    (
        "alice",
        "creative_writing",
        "Write a haiku about a server room at night.",
        "",
        "",
        "Blue lights blink in rows\nfans hum a steady cold wind\nthe data dreams on",
        Status.SUBMITTED,
    ),
    (
        "bob",
        "creative_writing",
        "Write a two-sentence story that ends with a surprise.",
        "",
        "",
        "For forty years the lighthouse keeper sent a letter every week to the mainland. On the day he "
        "retired, the postman finally admitted he had been writing back.",
        Status.APPROVED,
    ),
    (
        "carol",
        "creative_writing",
        "Write a short thank-you note to a colleague who covered for me.",
        "",
        "",
        "Thank you for stepping in last week. You kept everything on track and made my return easy; the "
        "next coffee is on me.",
        Status.REJECTED,
    ),
    (
        "alice",
        "general_qa",
        "How do I write a good commit message?",
        "",
        "",
        'Start with a short summary line in the imperative ("Fix login redirect"), leave a blank line, '
        "then explain why the change was needed and anything surprising about how it works.",
        Status.APPROVED,
    ),
    (
        "bob",
        "general_qa",
        "What should I bring to my first day at a new job?",
        "",
        "",
        "Your identity documents and bank details for the paperwork, a notebook, any equipment you were "
        "asked to bring, and a few questions about the team's priorities.",
        Status.SUBMITTED,
    ),
    (
        "carol",
        "general_qa",
        "How can I make a long meeting more productive?",
        "",
        "",
        "Send an agenda with the decisions to be made, invite only the people needed, take a short break "
        "every hour, and end by writing down owners and dates for each action.",
        Status.APPROVED,
    ),
    (
        "bob",
        "brainstorming",
        "Ideas for a rainy weekend with kids?",
        "",
        "",
        "Build a blanket fort, bake and decorate biscuits, hold an indoor treasure hunt, put on a puppet "
        "show, or visit the local museum.",
        Status.DRAFT,
    ),
]
