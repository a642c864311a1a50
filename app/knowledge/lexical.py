"""The lexical side of retrieval: how text becomes BM25 terms, and a BM25 index over a set of chunks.

Documents are English; residents write English and Spanish, on phones, in shorthand. The analyzer
folds case and accents, drops stop words, and applies a light English stemmer ("charges", "charged"
and "charge" meet). Queries also pass through a small glossary that maps common Spanish rental words
and SMS shorthand onto the documents' vocabulary ("multa" -> fee, "pymt" -> payment). The glossary is
about renting in general, not about any one document.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import bm25s
import numpy as np
import numpy.typing as npt

_WORD = re.compile(r"[a-z0-9]+")

ENGLISH_STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves im ive id dont doesnt didnt cant isnt wont hi hello hey thanks thank please
    pls plz ok okay yes yeah hmm um get got gonna wanna u ur ya""".split()
)
SPANISH_STOPWORDS = frozenset(
    """de la que el en y los se del las un por con una su para es al lo como mas o pero sus le ha me si sin
    sobre este ya entre cuando todo esta ser son tambien fue habia era muy hasta desde mi porque que yo hay
    nos ni tiene el uno donde bien mismo ese ahora cada e otro te otros aunque esa eso hace otra tan les
    estoy tengo puedo quiero hola gracias favor por mis tu usted ustedes necesito saber cual cuales""".split()
)
STOPWORDS = ENGLISH_STOPWORDS | SPANISH_STOPWORDS

#: Query words (Spanish with accents folded, and SMS shorthand) -> the English words documents use.
#: One line per meaning: "word word ...: replacement words".
_GLOSSARY_TABLE = """
renta alquiler rnt: rent
pago pagos pagar pmt pymt pymnt paymnt: payment pay
pague pagado: paid
cobran cobrar cobro: charge
cargo cargos: charge fee
multa multas: late fee
recargo cuota comision tarifa: fee
tarde tardio retraso atrasado atraso mora: late
gracia: grace
periodo: period
vence vencimiento: due
fecha: date
dia: day
dias: days
mes mo mth: month
meses: months
mensual: monthly
yr: year
tarjeta: card
cc: credit card
credito: credit
debito: debit
cheque: check
efectivo: cash
giro: money order
transferencia: transfer bank ach
banco bancaria: bank
cuenta: account
automatico automaticos automatica: automatic autopay
devuelto devuelta rebote: returned
rebotado reboto: returned bounced
fondos: funds
insuficientes: insufficient nsf
plazos: installments plan
parcial parciales: partial
mitad: half partial
partes: partial installments
saldo: balance
debo deber: owe
recibo: receipt
pendiente: pending
deposito garantia: deposit
seguridad: security
reembolso: refund
devolucion: refund return
cuanto: amount much
cuesta: cost
amt: amount
mascota: pet
mascotas: pets
perro: dog pet
gato: cat pet
estacionamiento parqueo: parking
carro coche auto: vehicle car
basura: trash garbage
reciclaje: recycling
ruido: noise quiet
silencio: quiet
horario horas: hours
oficina: office
mantenimiento maint: maintenance
reparacion: repair maintenance
arreglar: repair
emergencia: emergency
agua: water
luz electricidad: electric
servicios: utilities
llave: key lockout
llaves: keys lockout
cerradura: lock
contrato arrendamiento: lease
renovar: renew renewal
renovacion: renewal
terminar cancelar: terminate
mudar mudanza mudo mudarme mudarse mudamos: move
aviso avisar avise: notice
anticipacion antelacion: advance notice
entrar: entry enter
inquilino: resident
dueno propietario: landlord
administrador: manager
telefono: phone
llamar: call phone
correo: email
visita: guest
visitas: guests
fumar: smoking
piscina: pool
lavanderia: laundry
seguro: insurance
plaga plagas: pests
calefaccion: heat heating
aire: air conditioning
fuga: leak
inundacion: flood water
garaje cochera: garage
trabajo empleo chamba: job work
despedido despidieron: laid off job
hablar: talk speak
persona: person
ayuda: help
cocina: kitchen
bano: bathroom
ventana: window
puerta: door
paquete paquetes: package
lavadora secadora: laundry washer dryer
vecino vecinos: neighbor
apartamento departamento depa: apartment
apt: apartment
bc: because
info: information
req: request
"""
#: Words residents use for what leases and policies call something else, added to the question's own
#: word. Not given to the embedding model, which already knows these are related (the reader's question
#: groups count them too). On the real-documents development set, retrieval alone (k=20, the re-ranking
#: depth), the guest, payment-app and utility lines took hit@5 from 154 to 157 of 161 questions (tuned
#: landlords 84 -> 87 of 91, held out 70 of 70), hit@3 143 -> 145, MRR 0.826 -> 0.837.
_SYNONYM_TABLE = """
fee fees: fee charge
bounce bounced bounces: bounced returned
nsf: nsf returned insufficient funds
evict eviction evicted: eviction default
dog dogs: dog pet
cat cats: cat pet
puppy kitten: pet
friend friends cousin cousins relative relatives boyfriend girlfriend bf gf: guest visitor
venmo zelle cashapp paypal: electronic payment
electric electricity: utility
"""


def _table(text: str) -> dict[str, str]:
    return {
        word: replacement.strip()
        for line in text.strip().splitlines()
        for words, replacement in [line.split(":")]
        for word in words.split()
    }


QUERY_GLOSSARY = _table(_GLOSSARY_TABLE)
QUERY_SYNONYMS = _table(_SYNONYM_TABLE)
_IRREGULAR = {
    "paid": "pay",
    "owed": "owe",
    "bounced": "bounce",
    "left": "leave",
    "took": "take",
    "gone": "go",
    "used": "use",
    "using": "use",
}


class _FoldTable(dict[int, str]):
    """`str.translate` table, filled as characters are met: a character's compatibility decomposition
    without its combining marks. Per character is the same as per text: NFKD only reorders combining
    marks, and those are dropped. Kept to `_FOLD_TABLE_SIZE` characters, whatever text comes in."""

    def __missing__(self, code: int) -> str:
        folded = "".join(c for c in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(c))
        if len(self) < _FOLD_TABLE_SIZE:
            self[code] = folded
        return folded


_FOLD_TABLE_SIZE = 1 << 14
_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower case without accents: 'Depósito' -> 'deposito'."""
    folded = text.casefold()
    # The reader folds every candidate sentence on every query: ASCII text (most) needs nothing more.
    return folded if folded.isascii() else folded.translate(_FOLD_TABLE)


@lru_cache(maxsize=1 << 16)  # pure, and the same few thousand words come back on every query
def stem(word: str) -> str:
    """A light English stemmer: plural, -ing, -ed and a final e; 'charges'/'charged'/'charge' -> 'charg'."""
    word = _IRREGULAR.get(word, word)  # then stemmed as its regular form is: "left" -> "leave" -> "leav"
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def analyze(text: str) -> list[str]:
    """Terms of a document for BM25."""
    return [stem(word) for word in _WORD.findall(fold(text)) if word not in STOPWORDS and word != "00"]


def glossary_terms(text: str) -> list[str]:
    """English words the glossary gives for the Spanish and shorthand words in `text`."""
    return [QUERY_GLOSSARY[word] for word in _WORD.findall(fold(text)) if word in QUERY_GLOSSARY]


def dense_query(text: str) -> str:
    """The question as the (English-only) embedding model should see it: glossary words appended.

    'cuánto es la multa' becomes 'cuánto es la multa (amount much late fee)', which MiniLM can place.
    """
    terms = glossary_terms(text)
    return f"{text} ({' '.join(terms)})" if terms else text


def analyze_query(text: str) -> list[str]:
    """Terms of a question: the analyzer plus the Spanish and shorthand glossary and the synonyms."""
    words = _WORD.findall(fold(text))
    expanded: list[str] = []
    for word in words:
        for term in QUERY_GLOSSARY.get(word, word).split():
            expanded.append(term)
            expanded.extend(other for other in QUERY_SYNONYMS.get(term, "").split() if other != term)
    return [stem(word) for word in expanded if word not in STOPWORDS and word != "00"]


class LexicalIndex:
    """BM25 (bm25s, Lucene variant) over a fixed list of texts; `top` returns (position, score) pairs."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.size = len(texts)
        self._bm25 = bm25s.BM25()
        if texts:
            self._bm25.index([analyze(text) or ["_"] for text in texts], show_progress=False)

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        """BM25 score of every text for `query` (zeros when no query term occurs)."""
        vocab = self._bm25.vocab_dict if self.size else {}
        terms = [term for term in analyze_query(query) if term in vocab]
        if not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def top(self, query: str, n: int) -> list[tuple[int, float]]:
        """The best `n` texts with a positive score, best first."""
        scores = self.scores(query)
        return top_positive(scores, n)


def top_indices(scores: npt.NDArray[np.float32], n: int) -> list[int]:
    """Positions of the `n` highest scores, best first (ties by position)."""
    if n <= 0 or scores.size == 0:
        return []
    n = min(n, scores.size)
    candidates = np.argpartition(-scores, n - 1)[:n]
    return sorted(candidates.tolist(), key=lambda i: (-float(scores[i]), i))


def top_positive(scores: npt.NDArray[np.float32], n: int) -> list[tuple[int, float]]:
    """(position, score) of the `n` highest positive scores, best first."""
    return [(i, float(scores[i])) for i in top_indices(scores, n) if scores[i] > 0]
