"""Which language a resident wrote in: English, Spanish, or something else.

Choice: a hand-written scorer, not a trained model. Resident messages are often one to three words
("hola", "cuanto debo", "ok thanks", "merci"), where a character n-gram model trained on our small data
has too little to go on and fails in ways that are hard to see; a scorer over known words is exact on
those and can be read and fixed line by line. It works in three steps:

1. Script: letters mostly outside the Latin script (Chinese, Arabic, Cyrillic, Korean, Thai, ...) are
   "other"; so is text with letters only Vietnamese uses (ơ, ư, đ, ạ, ả, ...).
2. Words: each language has a lexicon of function words, greetings and rent vocabulary with weights
   (2 for words only that language uses, 1 for common ones, 0.5 for words shared with a neighbour
   and for the English rent words US Spanish borrows: "mi balance", "el rent", "un late fee" are Spanish);
   a few phrases ("cam on", "bom dia") count as one word. Spanish is matched without accents, since
   residents often leave them out.
3. Cues, for words no lexicon knows (typos, rare words): letters such as ñ, ¿, ç, ã and common
   endings ("-cion", "-ando" for Spanish; "-ing", "-tion" for English) add a little.

The best-scoring language wins; English, Spanish and then the others win ties, and a message with no
evidence at all (digits, emoji) is English, the assistant's default. English and Spanish are what the
assistant answers in; every other language comes back as "other", and the graph replies politely in
English with an offer of staff.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Final, Literal

from agents.offline.text import fold, words

Language = Literal["en", "es", "other"]

_ENGLISH_WORDS: Final = """
i:1 i'm:2 im:1 i'll:2 ill:0.5 i've:2 i'd:2 me:0.5 my:2 mine:1 you:2 your:2 you're:2 u:1 ur:1 we:1 our:1
they:1 it:1 it's:2 its:1 is:1 are:1 was:1 were:1 be:0.5 been:1 am:1 do:1 does:2 did:1 don't:2 dont:2
can't:2 cant:1 didn't:2 didnt:1 isn't:2 won't:2 the:2 a:0.5 an:1 and:1 or:1 of:1 to:1 for:1 on:0.5
in:0.5 at:1 with:1 from:1 by:1 about:1 this:2 that:1 what:2 whats:2 what's:2 how:2 when:2 whens:2
when's:2 why:2 where:2 who:1 which:2 much:2 many:1 pay:2 paid:2 paying:2 payment:2 payments:2 owe:2
rent:0.5 balance:0.5 fee:0.5 fees:0.5 late:1 due:1 charge:1 charged:2 month:2 week:2 today:2 tomorrow:2
tonight:2 friday:2 monday:2 hi:1 hello:2 hey:2 thanks:2 thank:2 thx:2 ty:1 ok:0.5 okay:1 yes:1 yeah:2
please:2 pls:2 plz:2 not:1 have:2 has:1 got:2 get:1 need:2 want:2 will:1 would:2 could:2 should:2
just:2 still:2 some:1 any:1 anything:2 someone:2 somebody:2 call:1 talk:2 speak:2 help:1 people:2
yo:0.5 no:0.5 stop:1 haha:1 hahaha:1 good:2 morning:2 afternoon:2 evening:2 night:1 bye:2 cool:1
great:2 sounds:2 know:2 right:1
if:1 so:1 but:1 my:2 lol:1 rn:1 pls:2 bc:1 asap:1 check:0.5 card:0.5 cash:0.5 bank:0.5 account:1 money:0.5
apartment:1 unit:0.5 lease:0.5 office:0.5 manager:0.5 neighbor:2 roommate:2 there:1 here:1 out:1 up:1
""".split()

_SPANISH_WORDS: Final = """
el:1 la:0.5 los:1 las:1 de:0.5 del:1 que:1 q:0.5 y:1 en:0.5 un:0.5 una:1 mi:1 mis:1 tu:0.5 su:1 es:1
esta:1 estoy:2 estan:2 por:1 porque:2 para:1 con:1 no:0.5 si:0.5 pero:2 como:1 cuando:2 cuanto:2
cuanta:2 cuantos:2 cuantas:2 cual:2 donde:2 quien:2 hola:2 ola:1 gracias:2 grax:2 buenos:2 buenas:2
buen:1 dias:2 dia:1 tardes:2 noches:2 renta:1 alquiler:2 pago:1 pagos:1 pagar:1 pague:2 pagado:2
debo:2 debe:1 debemos:2 deuda:2 saldo:2 cargo:2 cargos:2 cobro:2 cobran:2 cobraron:2 recargo:2
multa:2 cuenta:1 mes:2 semana:2 viernes:2 lunes:2 martes:2 miercoles:2 jueves:2 sabado:2 domingo:2
manana:1 hoy:2 ayer:2 quiero:2 puedo:2 puede:1 pueden:2 necesito:2 nesesito:2 tengo:2 tiene:1
hablar:2 ablar:2 alguien:2 persona:1 llamar:2 llame:1 oficina:2 ya:1 le:0.5 lo:1 me:0.5 se:1 te:0.5
nos:1 ahorita:2 ahora:2 porfa:2 favor:1 dinero:2 trabajo:2 ayuda:2 casa:1 apartamento:2
departamento:2 depto:2 vecino:2 vecina:2 abogado:2 desalojo:2 corte:1 perdi:2 mitad:2 partes:2
hay:2 tambien:2 muy:2 mas:1 todo:1 nada:2 algo:2 bien:1 mal:1 yo:0.5 usted:2 ustedes:2 pendiente:2
atrasado:2 atrasada:2 tarde:1 proximo:2 pasado:2 verdad:2 sale:0.5 va:0.5 listo:1 claro:1 oye:2
estado:1 fue:2 dijeron:2 quitar:2 quiten:2 tarjeta:2 efectivo:2 cheque:1 banco:1 mande:1 mandar:1
recibo:2 recibieron:2 llego:2 aparece:2 luz:2 agua:2 basura:2 estacionamiento:2 mascota:2 perro:2
llave:2 contrato:2 inquilino:2 discriminan:2 ayudar:2 entiendo:2 entiendes:2 onda:2 sea:1 son:0.5
aceptan:2 acepta:2 van:1 vamos:2 voy:2 vas:2 ir:1 tienen:2 tienes:2 hacer:2 hago:2 hace:1 quiere:2
quieres:2 sabe:1 sabes:2 dime:2 digame:2 oiga:2 conmigo:2 contigo:2 novio:2 novia:2 saludos:2 holi:2
entendido:2 perfecto:1 desalojar:2 idiota:2 idiotas:2 estupido:2 inutil:2 pinche:2 carajo:2 callate:2
callense:2 vayanse:2 pendejo:2 pendejos:2 ladrones:2 rateros:2 sirve:2 sirven:2 sirves:2 cuando:2
mucho:2 muchas:2 muchos:2 poco:1 otra:1 otro:1 este:1 eso:1 ese:1 aqui:2 alla:1 ahi:1 hasta:2 desde:2
sin:1 sobre:1 entre:1 tambien:2 siempre:2 nunca:2 luego:2 despues:2 antes:1 mismo:1 cosa:2 gente:2
soy:2 eres:2 somos:2 siento:2 triste:2 cabron:2 cabrones:2 chingada:2 mierda:2 ojala:2 ocupo:2 mande:1
senor:2 senora:2 senorita:2 amigo:1 amiga:1 hijo:2 hija:2 hijos:2 esposo:2 esposa:2 mama:1 papa:0.5
""".split()

_OTHER_WORDS: Final[Mapping[str, str]] = {
    "fr": """
je:2 j'ai:2 suis:2 mon:1 ma:0.5 mes:0.5 le:0.5 les:1 des:1 du:1 est:1 et:1 pour:2 pas:2 ne:1 avec:2
vous:2 votre:2 nous:2 loyer:2 payer:2 paye:1 combien:2 dois:2 quand:2 comment:2 bonjour:2 merci:2
oui:2 bonsoir:2 salut:2 c'est:2 ca:1 dans:2 sur:1 qui:1 mais:2 aussi:1 beaucoup:2 appartement:1 parler:2
quelqu'un:2
""",
    "pt": """
eu:2 voce:2 nao:2 meu:2 minha:2 do:0.5 da:1 em:1 um:1 uma:0.5 com:2 isso:2 tenho:2 posso:2 preciso:2
aluguel:2 pagamento:2 obrigado:2 obrigada:2 oi:1 tchau:2 ola:0.5 quanto:1 devo:1 quando:0.5 fazer:2 pode:2
falar:2 alguem:2 ajuda:1 estou:2 sim:2 tudo:2 bom:1 boa:1 dia:0.5 tarde:0.5 mais:1 esse:1 essa:1
""",
    "it": """
il:1 lo:0.5 gli:2 della:2 di:1 che:1 sono:2 affitto:2 pagare:2 grazie:2 ciao:2 buongiorno:2
quanto:1 devo:1 quando:0.5 come:0.5 perche:2 non:1 ho:2 posso:1 parlare:2 qualcuno:2
""",
    "de": """
ich:2 du:1 der:1 die:0.5 das:1 und:2 ist:2 nicht:2 miete:2 bezahlen:2 danke:2 hallo:2 wie:2 viel:2
wann:2 mein:2 meine:2 guten:2 tag:1 bitte:2 mit:1 kann:2 habe:2
""",
    "tl": """
ang:2 ng:2 mga:2 sa:1 ko:2 po:2 opo:2 ako:2 ikaw:2 magkano:2 upa:2 bayad:2 salamat:2 kumusta:2
paano:2 kailan:2 hindi:2 na:1 pa:1 ba:1 naman:2 yung:2 nang:2 ito:2 akin:2 mo:1 babayaran:2
""",
    "vi": """
toi:2 ban:1 tien:2 nha:2 khong:2 duoc:2 cua:2 cam:0.5 xin:2 chao:2 thang:2 tra:1 muon:2 bao:1
nhieu:2 anh:1 chi:0.5 em:0.5 gi:1 vay:1 lam:1 roi:2 nay:1 ai:0.5 va:0.5 la:0.5
""",
    "ht": """
mwen:2 ou:1 li:1 nou:1 pou:2 konbyen:2 dwe:2 lajan:2 lwaye:2 kay:1 mesi:2 bonjou:2 kijan:2 kile:2
peye:2 tanpri:2 pa:0.5 se:0.5 yo:0.5 kounye:2 ki:1 ak:1
""",
}

#: Phrases that mean more together than their words apart; matched on the folded text.
_PHRASES: Final[Mapping[str, Mapping[str, float]]] = {
    "vi": {"cam on": 3.0, "bao nhieu": 3.0, "xin chao": 3.0},
    "pt": {"bom dia": 3.0, "boa tarde": 3.0, "boa noite": 3.0, "muito obrigad": 3.0},
    "fr": {"s'il vous plait": 3.0},
    "es": {"buenos dias": 1.0, "por favor": 2.0, "que onda": 2.0},
}

#: Letters that point at a language when they appear in the raw (unfolded) text.
_LETTER_CUES: Final[Mapping[str, Mapping[str, float]]] = {
    "es": {"ñ": 2.0, "¿": 2.0, "¡": 2.0, "á": 0.5, "é": 0.3, "í": 0.5, "ó": 0.5, "ú": 0.5},
    "pt": {"ã": 2.0, "õ": 2.0, "ç": 1.0, "ê": 0.5, "ô": 0.5, "â": 0.5},
    "fr": {
        "ç": 1.0,
        "è": 1.0,
        "à": 1.0,
        "ù": 1.0,
        "œ": 2.0,
        "ê": 0.5,
        "â": 0.5,
        "ô": 0.5,
        "ë": 1.0,
        "î": 1.0,
    },
    "de": {"ß": 2.0, "ä": 1.0, "ö": 1.0},
}

#: Word endings for words no lexicon knows (typos, rare words): weak evidence.
_SUFFIX_CUES: Final[Mapping[str, tuple[str, ...]]] = {
    "es": (
        "cion",
        "ciones",
        "ando",
        "iendo",
        "amos",
        "emos",
        "aron",
        "ieron",
        "ado",
        "ada",
        "idos",
        "itas",
        "mente",
        "ito",
        "ita",
        "ero",
        "era",
    ),
    "en": ("ing", "tion", "ness", "ed", "ly", "'s", "'t", "'ll", "'re", "ful", "able"),
}
_SUFFIX_WEIGHT: Final = 0.3

#: Letters only Vietnamese uses among Latin scripts (with their precomposed tone marks).
_VIETNAMESE_LETTERS: Final = frozenset("ơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
_REPEATED_LETTER: Final = re.compile(r"([a-z])\1+")
_SPANISH_LAUGH: Final = re.compile(r"j[aeij]+(?:ja|je|ji)+j?|(?:js){2,}j?")
_PRIORITY: Final = ("en", "es", "fr", "pt", "it", "de", "tl", "vi", "ht")


def _parse_lexicon(entries: list[str]) -> dict[str, float]:
    lexicon: dict[str, float] = {}
    for entry in entries:
        word, _, weight = entry.rpartition(":")
        lexicon[word] = max(lexicon.get(word, 0.0), float(weight))
    return lexicon


_LEXICONS: Final[Mapping[str, Mapping[str, float]]] = {
    "en": _parse_lexicon(_ENGLISH_WORDS),
    "es": _parse_lexicon(_SPANISH_WORDS),
    **{lang: _parse_lexicon(entries.split()) for lang, entries in _OTHER_WORDS.items()},
}
_KNOWN_WORDS: Final = frozenset(word for lexicon in _LEXICONS.values() for word in lexicon)


def detect_language(text: str) -> Language:
    """Return "en", "es" or "other" for one message; the module docstring says how it decides."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "en"
    if _mostly_non_latin(letters) or any(ch in _VIETNAMESE_LETTERS for ch in text.lower()):
        return "other"
    scores = language_scores(text)
    best = max(_PRIORITY, key=lambda lang: (scores[lang], -_PRIORITY.index(lang)))
    if scores[best] <= 0:
        return "en"
    if best == "en":
        return "en"
    if best == "es":
        return "es"
    return "other"


def language_scores(text: str) -> dict[str, float]:
    """The evidence per language (lexicon words, phrases, letters and endings), for inspection and tests."""
    folded = fold(text)
    tokens = words(folded)
    tokens = [_known_spelling(token) for token in tokens]
    scores = {lang: 0.0 for lang in _PRIORITY}
    for lang, lexicon in _LEXICONS.items():
        scores[lang] += sum(lexicon.get(token, 0.0) for token in tokens)
    scores["es"] += sum(2.0 for token in tokens if _SPANISH_LAUGH.fullmatch(token))
    padded = f" {folded} "
    for lang, phrases in _PHRASES.items():
        scores[lang] += sum(weight for phrase, weight in phrases.items() if f" {phrase}" in padded)
    lowered = text.lower()
    for lang, cues in _LETTER_CUES.items():
        scores[lang] += sum(weight for letter, weight in cues.items() if letter in lowered)
    for token in tokens:
        if token in _KNOWN_WORDS or len(token) < 4:
            continue
        for lang, endings in _SUFFIX_CUES.items():
            if token.endswith(endings):
                scores[lang] += _SUFFIX_WEIGHT
    return scores


def _known_spelling(token: str) -> str:
    """The lexicon spelling of a stretched word ("holaa" -> "hola", "thankss" -> "thanks"), else itself."""
    if token in _KNOWN_WORDS:
        return token
    for squeezed in (_REPEATED_LETTER.sub(r"\1\1", token), _REPEATED_LETTER.sub(r"\1", token)):
        if squeezed in _KNOWN_WORDS:
            return squeezed
    return token


def _mostly_non_latin(letters: list[str]) -> bool:
    non_latin = sum(1 for ch in letters if not unicodedata.name(ch, "").startswith("LATIN"))
    return non_latin * 2 >= len(letters)
