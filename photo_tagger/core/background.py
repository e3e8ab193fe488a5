"""A fixed vocabulary of everyday things that a label competes against ("is this photo X, or something else?").

Each label's decision asks how far the photo's similarity to the label stands above its similarity to these
words (NegLabel, Jiang et al. ICLR 2024, with a small lexicon). Words the label itself names, or that the model
places next to the label, are left out of its background so a label never competes with its own synonyms.
"""

from __future__ import annotations

BACKGROUND_TEMPLATE = "a photo of a {}."
BACKGROUND_WORDS = (
    # people and body
    "man", "woman", "boy", "girl", "baby", "crowd", "face", "hand", "foot", "eye", "hair", "smile", "family",
    "couple", "soldier", "doctor", "nurse", "chef", "student", "teacher", "athlete", "dancer", "musician",
    # animals
    "dog", "puppy", "cat", "kitten", "bird", "parrot", "owl", "eagle", "duck", "chicken", "horse", "cow", "pig",
    "sheep", "goat", "rabbit", "mouse", "squirrel", "deer", "bear", "lion", "tiger", "elephant", "giraffe",
    "zebra", "monkey", "fox", "wolf", "fish", "shark", "whale", "dolphin", "turtle", "frog", "snake", "lizard",
    "butterfly", "bee", "spider", "ant", "snail", "crab", "jellyfish",
    # food and drink
    "apple", "banana", "orange", "lemon", "strawberry", "grapes", "watermelon", "pineapple", "tomato",
    "potato", "carrot", "broccoli", "salad", "bread", "sandwich", "pizza", "burger", "pasta", "rice", "soup",
    "steak", "egg", "cheese", "cake", "cookie", "ice cream", "chocolate", "candy", "coffee", "tea", "beer",
    "wine", "juice", "water bottle", "breakfast", "dinner", "sushi", "noodles",
    # places and nature
    "beach", "ocean", "lake", "river", "waterfall", "mountain", "hill", "valley", "forest", "jungle", "desert",
    "field", "meadow", "garden", "park", "farm", "island", "cave", "cliff", "volcano", "glacier", "snow",
    "rain", "fog", "cloud", "sky", "sunset", "sunrise", "rainbow", "moon", "star", "night", "lightning",
    "city", "street", "road", "highway", "bridge", "tunnel", "square", "market", "shop", "restaurant", "cafe",
    "bar", "hotel", "hospital", "school", "library", "museum", "church", "temple", "castle", "palace",
    "tower", "skyscraper", "house", "apartment", "cabin", "tent", "barn", "factory", "warehouse", "office",
    "stadium", "airport", "station", "harbor", "parking lot", "playground", "swimming pool",
    # rooms and household
    "kitchen", "bedroom", "bathroom", "living room", "dining room", "staircase", "window", "door", "wall",
    "floor", "roof", "fence", "table", "chair", "sofa", "bed", "pillow", "blanket", "lamp", "mirror", "clock",
    "vase", "plant", "candle", "curtain", "carpet", "shelf", "cupboard", "sink", "bathtub", "toilet",
    "refrigerator", "oven", "microwave", "plate", "bowl", "cup", "mug", "glass", "bottle", "fork", "knife",
    "spoon", "pan", "pot", "basket", "box", "bag", "suitcase", "umbrella", "key", "wallet",
    # clothing and objects
    "shirt", "dress", "jacket", "coat", "hat", "cap", "shoe", "boot", "sock", "glove", "scarf", "tie", "belt",
    "glasses", "sunglasses", "watch", "ring", "necklace", "earring", "backpack", "toy", "teddy bear", "doll",
    "ball", "balloon", "kite", "gift", "flag", "sign", "poster", "ticket", "coin", "banknote", "letter",
    "envelope", "newspaper", "magazine", "book", "notebook", "pen", "pencil", "paper", "calendar", "card",
    # technology and tools
    "phone", "computer", "laptop", "keyboard", "screen", "television", "camera", "headphones", "speaker",
    "microphone", "cable", "battery", "printer", "robot", "drone", "hammer", "screwdriver", "wrench", "saw",
    "ladder", "rope", "chain", "brick", "stone", "rock", "wood", "metal", "plastic", "fabric", "leather",
    # vehicles
    "car", "truck", "bus", "van", "taxi", "motorcycle", "bicycle", "scooter", "train", "tram", "subway",
    "airplane", "helicopter", "rocket", "boat", "ship", "sailboat", "canoe", "tractor", "ambulance",
    # plants
    "tree", "flower", "rose", "tulip", "sunflower", "leaf", "grass", "bush", "cactus", "mushroom", "moss",
    # activities and events
    "party", "wedding", "birthday", "concert", "festival", "parade", "game", "match", "race", "meeting",
    "lesson", "holiday", "picnic", "trip", "hike", "swim", "run", "dance", "fight", "hug", "kiss",
    # art, media and abstract
    "painting", "drawing", "sculpture", "statue", "photograph", "illustration", "cartoon", "logo", "icon",
    "diagram", "chart", "map", "text", "document", "screenshot", "pattern", "texture", "shadow", "light",
    "reflection", "silhouette", "noise", "blur", "object", "thing", "scene", "place", "background",
) + (
    # basic colours and shapes: everyday words too, and the near misses of colour or shape labels
    "red", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "gray", "circle", "triangle",
    "rectangle", "line", "dot", "heart", "cross", "spiral", "shape",
)
BASIC_WORDS = 19  # the last group above, for the sweep's ablation
