"""A fixed vocabulary of everyday things that a label competes against ("is this photo X, or something else?").

Each label's decision asks how far the photo's similarity to the label stands above its similarity to these
words (NegLabel, Jiang et al. ICLR 2024, with a small lexicon). Words the label itself names, or that the model
places next to the label, are left out of its background so a label never competes with its own synonyms.
Each word has a kind (BACKGROUND_KINDS, from its group below): a label also competes with the words of its own kinds
alone (a colour with colours, a scene with scenes: core/calibration.py), so a photo can be "red", "car" and "beach"
at once (issue 19). Words of the "generic" kind are rivals of every kind.
"""

from __future__ import annotations

BACKGROUND_TEMPLATE = "a photo of a {}."
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # people and body
    ("person", (
        "man", "woman", "boy", "girl", "baby", "crowd", "face", "hand", "foot", "eye", "hair", "smile", "family",
        "couple", "soldier", "doctor", "nurse", "chef", "student", "teacher", "athlete", "dancer", "musician",
    )),
    # animals
    ("animal", (
        "dog", "puppy", "cat", "kitten", "bird", "parrot", "owl", "eagle", "duck", "chicken", "horse", "cow", "pig",
        "sheep", "goat", "rabbit", "mouse", "squirrel", "deer", "bear", "lion", "tiger", "elephant", "giraffe",
        "zebra", "monkey", "fox", "wolf", "fish", "shark", "whale", "dolphin", "turtle", "frog", "snake", "lizard",
        "butterfly", "bee", "spider", "ant", "snail", "crab", "jellyfish",
    )),
    # food and drink
    ("food", (
        "apple", "banana", "orange", "lemon", "strawberry", "grapes", "watermelon", "pineapple", "tomato", "potato",
        "carrot", "broccoli", "salad", "bread", "sandwich", "pizza", "burger", "pasta", "rice", "soup", "steak",
        "egg", "cheese", "cake", "cookie", "ice cream", "chocolate", "candy", "coffee", "tea", "beer", "wine",
        "juice", "water bottle", "breakfast", "dinner", "sushi", "noodles",
    )),
    # places, nature, weather and time of day
    ("scene", (
        "beach", "ocean", "lake", "river", "waterfall", "mountain", "hill", "valley", "forest", "jungle", "desert",
        "field", "meadow", "garden", "park", "farm", "island", "cave", "cliff", "volcano", "glacier", "snow", "rain",
        "fog", "cloud", "sky", "sunset", "sunrise", "rainbow", "moon", "star", "night", "lightning", "city",
        "street", "road", "highway", "bridge", "tunnel", "square", "market", "shop", "restaurant", "cafe", "bar",
        "hotel", "hospital", "school", "library", "museum", "church", "temple", "castle", "palace", "tower",
        "skyscraper", "house", "apartment", "cabin", "tent", "barn", "factory", "warehouse", "office", "stadium",
        "airport", "station", "harbor", "parking lot", "playground", "swimming pool",
    )),
    # rooms and household
    ("thing", (
        "kitchen", "bedroom", "bathroom", "living room", "dining room", "staircase", "window", "door", "wall",
        "floor", "roof", "fence", "table", "chair", "sofa", "bed", "pillow", "blanket", "lamp", "mirror", "clock",
        "vase", "plant", "candle", "curtain", "carpet", "shelf", "cupboard", "sink", "bathtub", "toilet",
        "refrigerator", "oven", "microwave", "plate", "bowl", "cup", "mug", "glass", "bottle", "fork", "knife",
        "spoon", "pan", "pot", "basket", "box", "bag", "suitcase", "umbrella", "key", "wallet",
    )),
    # clothing and objects
    ("thing", (
        "shirt", "dress", "jacket", "coat", "hat", "cap", "shoe", "boot", "sock", "glove", "scarf", "tie", "belt",
        "glasses", "sunglasses", "watch", "ring", "necklace", "earring", "backpack", "toy", "teddy bear", "doll",
        "ball", "balloon", "kite", "gift", "flag", "sign", "poster", "ticket", "coin", "banknote", "letter",
        "envelope", "newspaper", "magazine", "book", "notebook", "pen", "pencil", "paper", "calendar", "card",
    )),
    # technology and tools
    ("thing", (
        "phone", "computer", "laptop", "keyboard", "screen", "television", "camera", "headphones", "speaker",
        "microphone", "cable", "battery", "printer", "robot", "drone", "hammer", "screwdriver", "wrench", "saw",
        "ladder", "rope", "chain", "brick", "stone", "rock", "wood", "metal", "plastic", "fabric", "leather",
    )),
    # vehicles
    ("vehicle", (
        "car", "truck", "bus", "van", "taxi", "motorcycle", "bicycle", "scooter", "train", "tram", "subway",
        "airplane", "helicopter", "rocket", "boat", "ship", "sailboat", "canoe", "tractor", "ambulance",
    )),
    # plants
    ("plant", (
        "tree", "flower", "rose", "tulip", "sunflower", "leaf", "grass", "bush", "cactus", "mushroom", "moss",
    )),
    # activities and events
    ("event", (
        "party", "wedding", "birthday", "concert", "festival", "parade", "game", "match", "race", "meeting",
        "lesson", "holiday", "picnic", "trip", "hike", "swim", "run", "dance", "fight", "hug", "kiss",
    )),
    # art and media
    ("medium", (
        "painting", "drawing", "sculpture", "statue", "photograph", "illustration", "cartoon", "logo", "icon",
        "diagram", "chart", "map", "text", "document", "screenshot",
    )),
    # the look of a photo
    ("style", (
        "pattern", "texture", "shadow", "light", "reflection", "silhouette", "noise", "blur", "blurred",
        "black and white", "sepia", "vintage", "grainy", "overexposed", "underexposed", "close-up", "long exposure",
        "out of focus", "high contrast", "aerial view",
    )),
    # moods
    ("mood", (
        "dark", "bright", "colorful", "cozy", "happy", "sad", "calm", "spooky",
    )),
    # generic words: rivals of every kind
    ("generic", (
        "object", "thing", "scene", "place", "background",
    )),
    # basic colours: everyday words too, and the near misses of colour labels
    ("colour", (
        "red", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "gray",
    )),
    # basic shapes: the near misses of shape labels
    ("shape", (
        "circle", "triangle", "rectangle", "line", "dot", "heart", "cross", "spiral", "shape",
    )),
)
BACKGROUND_WORDS: tuple[str, ...] = tuple(w for _, words in GROUPS for w in words)
# A word may be of two kinds: "star" is in the sky and a shape, a kitchen a room and a scene.
_ALSO = {"star": ("shape",), "square": ("shape",), "cross": ("thing",), "kitchen": ("scene",), "bedroom": ("scene",),
         "bathroom": ("scene",), "living room": ("scene",), "dining room": ("scene",)}
BACKGROUND_KINDS: tuple[tuple[str, ...], ...] = tuple((kind, *_ALSO.get(w, ()))
                                                      for kind, words in GROUPS for w in words)
# Words added for the kind contests alone (issue 19): a label does not compete with them in the contest with every
# everyday word (core/calibration.py way 1) nor a search grade, which were measured without them.
KIND_ONLY = frozenset(("blurred", "black and white", "sepia", "vintage", "grainy", "overexposed", "underexposed",
                       "close-up", "long exposure", "out of focus", "high contrast", "aerial view", "dark", "bright",
                       "colorful", "cozy", "happy", "sad", "calm", "spooky"))
BASIC_WORDS = 19  # the basic colours and shapes, the last two groups, for the sweep's ablation
