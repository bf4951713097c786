#!/usr/bin/env python3
"""Deterministic generator of RAW scraped news articles, the input of `broadsheet ingest`.

Each file is what a scraper saves: the headline on line 1, then the article mixed with the
page's leftovers (share buttons, photo caption and credit, follow-us lines, read-more links,
newsletter and "most read" boxes, a cookie-consent banner, button rows, a copyright line).

  * 22 invented outlets in French (~60 % of articles), English (~25 %), German, Spanish and
    Italian; each has its own furniture (slogan, follow-us line, consent text, buttons,
    copyright, read-more marker, date format...), chosen once from the seed, so an outlet's
    furniture recurs across its articles as it does on a real site. Some outlets glue
    words ("surTelegram") or buttons ("Tout accepterTout refuser"), some use curly
    apostrophes or non-breaking spaces before French punctuation.
  * Outlet sizes are Zipf-like: a few big outlets, many small ones.
  * Bodies are 300-900 words of pseudo-text in the article's language (real function words at
    realistic frequencies, generated accented content words, recurring person and place
    names), in 4-10 paragraphs, sometimes with an intertitle or a dateline "PARIS (AFP) -".
  * Some articles carry a publication date line, a byline, an agency credit ("- Avec AFP").
  * 2 % of the files are exact (byte-identical) copies of an earlier file, 3 % are near
    duplicates: an earlier article with one sentence added to its body.

File names are NNNNNN_<first 16 hex digits of the file's SHA-256>.txt. Article i depends
only on (seed, i), so the N=1000 corpus is the first 1000 files of the N=10000 one, and the
same seed and N give byte-identical files. Standard library only.

Usage:
  python bench/gen_raw.py --n 10000 --out raw-10k [--seed S] [--truth truth.jsonl]

--truth FILE writes one JSON line per file with what a perfect cleaner would find (outlet,
language, date, agencies, duplicate of which file), for checking the cleaner's output.
"""
from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import itertools
import json
import os
import random
import re
import sys
import time

DEFAULT_SEED = 20241125
EXACT_DUP_SHARE = 0.02
NEAR_DUP_SHARE = 0.03
LANG_SHARES = {"fr": 0.60, "en": 0.25, "de": 0.06, "es": 0.05, "it": 0.04}
FILE_RE = re.compile(r"^\d{6,}_[0-9a-f]{16}\.txt$")

# ------------------------------------------------------------------------------------------
# Word material per language. Function words are real, with rough frequencies per ~1000
# running words; the content vocabulary is generated from syllables and inflected suffixes.

LANGS = {
    "fr": {
        "function": {
            "de": 40, "la": 25, "le": 22, "les": 22, "et": 20, "des": 18, "à": 17, "en": 13,
            "un": 12, "du": 11, "une": 11, "que": 9, "est": 8, "pour": 8, "qui": 7, "dans": 8,
            "a": 6, "par": 6, "plus": 5, "pas": 4, "au": 5, "sur": 6, "ne": 3, "se": 4, "ce": 3,
            "il": 4, "sont": 3, "avec": 4, "son": 2, "aux": 3, "ou": 2, "été": 2, "ont": 3,
            "mais": 2, "elle": 2, "ses": 2, "leur": 2, "nous": 1, "cette": 2, "comme": 2,
            "tout": 1, "était": 1, "on": 1, "y": 1, "fait": 1, "deux": 1, "ils": 2, "aussi": 1,
            "entre": 1, "après": 1, "depuis": 1, "selon": 2, "contre": 1, "sans": 1, "sous": 1,
            "très": 1, "même": 1, "encore": 1, "lors": 1, "dont": 1, "où": 1, "ans": 1,
            "leurs": 1, "avait": 1, "sera": 1, "ces": 1, "avant": 1, "déjà": 1, "l'": 6,
            "d'": 5, "qu'": 1, "n'": 1, "s'": 1,
        },
        "elide": {"l'": "le", "d'": "de", "qu'": "que", "n'": "ne", "s'": "se"},
        "onsets": "b c d f g j l m n p r s t v ch pr tr gr br cr pl fl cl dr qu v s r l m n t d p".split(),
        "vowels": "a e i o u é è a e i o ou ai au on an in en é a i e o a e i o u ê â".split(),
        "codas": ("", "", "", "", "r", "l", "n", "s", "t", "c", "m"),
        "suffixes": {
            "tion": ("tion", "tions"), "ment": ("ment", "ments"), "ique": ("ique", "iques"),
            "eur": ("eur", "eurs", "euse"), "age": ("age", "ages"), "ité": ("ité", "ités"),
            "ence": ("ence", "ences"), "isme": ("isme",), "iste": ("iste", "istes"),
            "er": ("er", "é", "ée", "ait", "ent", "ées", "era", "ant"), "ir": ("ir", "it", "i"),
            "el": ("el", "elle", "els"), "ure": ("ure", "ures"), "al": ("al", "aux", "ale"),
            "if": ("if", "ive", "ifs"), "ier": ("ier", "iers", "ière"), "": ("", "s", "e", "es"),
        },
        "n_lemmas": 9000,
        "first": "Jean Marie Sophie Étienne Hélène François Zoé Cédric Agnès Jérôme Anaïs Benoît "
                 "Léa Noël Maëlle Thierry Camille Rémi Nadia Karim Aurélie Grégoire Inès Loïc".split(),
        "last": "Dupré Lefèvre Mercier Roussel Garnier Chevalier Bénard Pelletier Faure Gauthier "
                "Ménard Lécuyer Delaunay Hébert Marchal Benali Traoré Giraud Séguin Caron".split(),
        "places": "Lyon Marseille Bordeaux Saint-Étienne Besançon Orléans Nîmes Genève Bruxelles "
                  "Québec Dakar Abidjan Valmont Bordemer Montbéliard Périgueux Béziers Rennes".split(),
        "cities_upper": "PARIS LYON MARSEILLE BRUXELLES GENÈVE BEYROUTH ALGER DAKAR MONTRÉAL "
                        "PÉKIN KIEV TÉHÉRAN WASHINGTON BERLIN".split(),
        "quote": ("« ", " »"),
    },
    "en": {
        "function": {
            "the": 55, "of": 28, "and": 25, "to": 25, "a": 20, "in": 18, "is": 9, "that": 9,
            "for": 8, "it": 7, "on": 7, "was": 6, "with": 6, "as": 5, "by": 5, "he": 4, "at": 4,
            "from": 4, "his": 3, "an": 3, "are": 3, "were": 3, "which": 2, "be": 3, "has": 3,
            "have": 3, "had": 2, "but": 2, "not": 2, "they": 2, "said": 3, "its": 2, "their": 2,
            "more": 1, "after": 1, "than": 1, "been": 1, "who": 1, "this": 2, "would": 1,
            "also": 1, "will": 1, "over": 1, "into": 1, "two": 1, "last": 1, "she": 2, "her": 1,
        },
        "elide": {},
        "onsets": "b c d f g h j k l m n p r s t v w st tr pr br cr gr pl sh th ch".split(),
        "vowels": "a e i o u ea oo ai ou a e i o a e i o u".split(),
        "codas": ("", "", "n", "r", "t", "l", "s", "ck", "nd", "st", "m", "p"),
        "suffixes": {
            "tion": ("tion", "tions"), "ment": ("ment", "ments"), "er": ("er", "ers"),
            "ing": ("ing",), "ed": ("ed",), "ly": ("ly",), "ity": ("ity", "ities"),
            "al": ("al",), "ive": ("ive",), "": ("", "s", "ed", "ing"),
        },
        "n_lemmas": 7000,
        "first": "Sarah James Emily Michael Priya Daniel Grace Tom Aisha Robert Olivia Kevin "
                 "Hannah Marcus Chloe Samuel Fiona Liam".split(),
        "last": "Whitlock Harper Benning O'Connell Okafor Lindqvist Patel Morrison Fletcher Reyes "
                "Donovan Ashby Kowalski Brennan Haddad Thornton".split(),
        "places": "Riverton Manchester Leeds Ohio Toronto Boston Denver Cardiff Glasgow Brisbane "
                  "Westbrook Kestrel Sound Albany".split(),
        "cities_upper": "LONDON WASHINGTON NEW YORK CHICAGO TORONTO SYDNEY DUBLIN NAIROBI".split(),
        "quote": ("“", "”"),
    },
    "de": {
        "function": {
            "der": 30, "die": 32, "und": 28, "in": 18, "den": 12, "von": 10, "zu": 9, "das": 10,
            "mit": 8, "sich": 7, "des": 7, "auf": 7, "für": 7, "ist": 8, "im": 6, "dem": 6,
            "nicht": 6, "ein": 6, "eine": 6, "als": 5, "auch": 5, "es": 4, "an": 4, "werden": 3,
            "aus": 4, "er": 4, "hat": 4, "dass": 4, "sie": 4, "nach": 3, "wird": 3, "bei": 3,
            "einer": 3, "um": 3, "am": 3, "sind": 3, "noch": 2, "wie": 2, "einem": 2, "über": 2,
            "einen": 2, "so": 2, "zum": 2, "war": 2, "haben": 2, "nur": 2, "oder": 2, "aber": 2,
            "vor": 2, "zur": 2, "bis": 2, "mehr": 2, "durch": 2, "man": 1, "sei": 1, "schon": 1,
            "wenn": 1, "können": 1, "sowie": 1, "gegen": 1, "während": 1, "müssen": 1,
        },
        "elide": {},
        "onsets": "b d f g h k l m n p r s t w z sch st sp br gr kr tr fl pf".split(),
        "vowels": "a e i o u ä ö ü ei au ie eu a e i e".split(),
        "codas": ("", "n", "r", "l", "s", "t", "ch", "ng", "nd", "ck", "rt"),
        "suffixes": {
            "ung": ("ung", "ungen"), "heit": ("heit", "heiten"), "keit": ("keit",),
            "lich": ("lich", "liche", "lichen"), "isch": ("isch", "ische", "ischen"),
            "en": ("en", "t", "te", "ten"), "er": ("er", "ern"), "schaft": ("schaft",),
            "": ("", "e", "en", "es"),
        },
        "n_lemmas": 7000,
        "nouns": 0.45,  # share of content lemmas that are nouns, written capitalised
        "first": "Jens Birte Kai Ute Jürgen Sören Käthe Björn Anja Matthias Lena Günter Jörg "
                 "Franziska".split(),
        "last": "Petersen Lorenzen Müller Schröder Hoffmann Brückner Weiß Krüger Jäger Bäcker "
                "Köhler Fuchs".split(),
        "places": "Kiel Lübeck München Köln Düsseldorf Görlitz Zürich Wien Hallsund Tübingen".split(),
        "cities_upper": "Berlin Hamburg München Kiel Frankfurt Wien".split(),
        "quote": ("„", "“"),
    },
    "es": {
        "function": {
            "de": 40, "la": 25, "que": 18, "el": 20, "en": 18, "y": 17, "a": 12, "los": 11,
            "se": 8, "del": 8, "las": 8, "un": 7, "por": 7, "con": 6, "no": 5, "una": 6, "su": 4,
            "para": 5, "es": 4, "al": 4, "lo": 3, "como": 3, "más": 3, "pero": 2, "sus": 2,
            "le": 2, "ya": 2, "o": 2, "este": 2, "ha": 3, "porque": 1, "esta": 2, "entre": 1,
            "cuando": 1, "muy": 1, "sin": 1, "sobre": 2, "también": 1, "hasta": 1, "hay": 1,
            "donde": 1, "desde": 1, "todo": 1, "nos": 1, "durante": 1, "según": 1, "años": 1,
            "después": 1, "está": 1, "fue": 1,
        },
        "elide": {},
        "onsets": "b c d f g l m n p r s t v ch br pr tr ll j z".split(),
        "vowels": "a e i o u á é í ó ú ia ue ie a e o a o".split(),
        "codas": ("", "", "", "n", "r", "s", "l"),
        "suffixes": {
            "ción": ("ción", "ciones"), "mente": ("mente",), "dad": ("dad", "dades"),
            "ado": ("ado", "ada", "ados", "adas"), "ero": ("ero", "era", "eros"),
            "ismo": ("ismo",), "ista": ("ista", "istas"), "": ("", "s", "es"),
        },
        "n_lemmas": 7000,
        "first": "Marta José Lucía Álvaro Begoña Íñigo Raúl Sofía Andrés Nuria Tomás Ángela".split(),
        "last": "Soler García Martínez Núñez Ibáñez Pérez Ortega Muñoz Castaño Gómez Ruiz".split(),
        "places": "Valencia Sevilla Málaga Bilbao Zaragoza Córdoba Cádiz Bogotá Vallfonda Altamira".split(),
        "cities_upper": "Madrid Barcelona Valencia Sevilla Bilbao Bogotá".split(),
        "quote": ("«", "»"),
    },
    "it": {
        "function": {
            "di": 30, "e": 20, "il": 18, "la": 17, "che": 16, "a": 10, "per": 10, "in": 12,
            "un": 8, "del": 7, "non": 5, "una": 6, "le": 6, "si": 5, "con": 5, "da": 5, "i": 5,
            "al": 4, "della": 5, "è": 5, "dei": 3, "nel": 3, "alla": 3, "gli": 3, "anche": 2,
            "più": 2, "ha": 3, "sono": 2, "come": 2, "ma": 2, "delle": 2, "nella": 2, "dal": 1,
            "questo": 1, "sul": 1, "dopo": 1, "tra": 1, "stato": 1, "già": 1, "però": 1,
            "perché": 1, "l'": 6, "dell'": 3, "un'": 1, "all'": 1, "nell'": 1,
        },
        "elide": {"l'": "lo", "dell'": "dello", "un'": "una", "all'": "allo", "nell'": "nello"},
        "onsets": "b c d f g l m n p r s t v ch br pr tr gl gn sc z".split(),
        "vowels": "a e i o u a e i o a e o ia io à è ò".split(),
        "codas": ("", "", "", "", "n", "r", "l"),
        "suffixes": {
            "zione": ("zione", "zioni"), "mente": ("mente",), "tà": ("tà",),
            "ato": ("ato", "ata", "ati", "ate"), "ore": ("ore", "ori"), "ismo": ("ismo",),
            "ista": ("ista", "isti"), "etto": ("etto", "etta"), "": ("o", "a", "i", "e"),
        },
        "n_lemmas": 7000,
        "first": "Giulia Marco Francesca Niccolò Lucia Andrea Chiara Gianluca Federica Lorenzo".split(),
        "last": "Rossi Bianchi Esposito Colombo Ricci Marino Galli Conti Fabbri Mancini".split(),
        "places": "Roma Milano Napoli Torino Firenze Bologna Genova Cagliari Forlì Montebruno".split(),
        "cities_upper": "ROMA MILANO NAPOLI TORINO FIRENZE".split(),
        "quote": ("«", "»"),
    },
}

FUNCTION_SHARE = 0.46  # share of running words that are function words
VOWEL_START = tuple("aeiouyéèêàâîôùhAEIOUÉÈÊÀÎÔH")


class WordModel:
    """Zipfian unigram model of one language: real function words plus a generated, inflected
    content vocabulary (frequent words short, as in real text)."""

    def __init__(self, code: str, rng: random.Random):
        spec = LANGS[code]
        self.code = code
        self.function = frozenset(spec["function"])
        self.elide = spec["elide"]
        lemmas: list[tuple[str, ...]] = []
        seen = set(spec["function"])
        keys = list(spec["suffixes"])
        noun_share = spec.get("nouns", 0.0)
        while len(lemmas) < spec["n_lemmas"]:
            n_syl = rng.choices((1, 2, 3, 4), (34, 44, 18, 4))[0]
            stem = "".join(rng.choice(spec["onsets"]) + rng.choice(spec["vowels"])
                           + (rng.choice(spec["codas"]) if k == n_syl - 1 else "")
                           for k in range(n_syl))
            suf = rng.choice(keys)
            if n_syl >= 3:
                suf = ""
            forms = tuple(_spell(code, stem + s) for s in spec["suffixes"][suf])
            if forms[0] in seen or len(forms[0]) < 3:
                continue
            seen.add(forms[0])
            if noun_share and rng.random() < noun_share:
                forms = tuple(f[0].upper() + f[1:] for f in forms)
            lemmas.append(forms)
        lemmas.sort(key=lambda f: len(f[0]) + rng.gauss(0, 2.5))
        fw, fweights = list(spec["function"]), list(spec["function"].values())
        ftotal = sum(fweights)
        lweights = [1.0 / (k + 80) for k in range(len(lemmas))]
        scale = ftotal * (1 - FUNCTION_SHARE) / FUNCTION_SHARE / sum(lweights)
        words, weights = list(fw), [float(w) for w in fweights]
        for forms, w in zip(lemmas, lweights):
            for f in forms:
                words.append(f)
                weights.append(w * scale / len(forms))
        self.words = words
        self.cum = list(itertools.accumulate(weights))
        self.content = [f[0] for f in lemmas[:3000]]

    def sample(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum, k=k)

    def join(self, words: list[str]) -> str:
        """Join words, eliding French/Italian articles before a vowel ("l'accord")."""
        if not self.elide:
            return " ".join(words)
        out: list[str] = []
        glue = False
        for w in words:
            if glue:
                if w[0] in VOWEL_START and w not in self.function and w not in self.elide:
                    out[-1] += w
                else:
                    out[-1] = self.elide[out[-1]]
                    out.append(w)
            else:
                out.append(w)
            glue = w in self.elide
        if glue:
            out[-1] = self.elide[out[-1]]
        return " ".join(out)


_UNACCENT = str.maketrans("áéíóúàèìòù", "aeiouaeiou")


def _spell(code: str, word: str) -> str:
    """Spanish: at most one written accent; Italian: accents only on a final vowel."""
    if code not in ("es", "it"):
        return word
    word = re.sub(r"([aeiou])\1", r"\1", word)
    if code == "es":
        m = re.search(r"[áéíóú]", word)
        return word if not m else word[:m.end()] + word[m.end():].translate(_UNACCENT)
    return word[:-1].translate(_UNACCENT) + word[-1:]


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


# ------------------------------------------------------------------------------------------
# Page furniture per language. {name} is the outlet, {net} a network, {h} a headline.

MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
}
MONTHS = {k: v.split() for k, v in MONTHS.items()}
WEEKDAYS = {
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche".split(),
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
}

FURNITURE = {
    "fr": {
        "follow": ["Suivez {name} sur{sp}{net}", "Suivez-nous sur{sp}{net}",
                   "Retrouvez {name} sur{sp}{net}", "Rejoignez-nous sur{sp}{net}"],
        "networks": ["Telegram", "Facebook", "Twitter", "X", "Instagram", "Google Actualités"],
        "share": ["Partager", "Partager sur Facebook\nPartager sur Twitter", "FacebookTwitterEmail",
                  "Partager\nTweeter\nEmail", "Copier le lien"],
        "consent": [
            ["En cliquant sur \"Tout accepter\" vous consentez au traitement par {name} de certaines "
             "données personnelles stockées sur votre terminal (telles que les adresses IP, les "
             "données de navigation, les données d'utilisation ou de géolocalisation ou bien encore "
             "les interactions avec les réseaux sociaux). En cliquant sur \"Tout refuser\", seuls les "
             "cookies/traceurs techniques (strictement limités au fonctionnement du site ou à la "
             "mesure d'audiences) seront déposés et lus sur votre terminal. Vous pouvez modifier vos "
             "choix à tout moment via la rubrique «Paramétrer vos choix».",
             "{name} utilise des cookies pour exploiter et améliorer ses services.",
             "Pour en savoir plus sur vos droits et nos pratiques en matière de cookies, consultez "
             "notre «Politique de Confidentialité»"],
            ["Avec votre accord, nos {n} partenaires et nous utilisons des cookies ou technologies "
             "similaires pour stocker et consulter des informations sur votre appareil. Vous pouvez "
             "retirer votre consentement ou vous opposer aux traitements fondés sur l'intérêt "
             "légitime à tout moment en cliquant sur « Paramétrer » ou depuis notre politique de "
             "confidentialité. Nos partenaires et nous traitons les données suivantes : publicités et "
             "contenus personnalisés, mesure de performance des publicités et du contenu, données "
             "d'audience et développement de produits."],
            ["Nous utilisons des cookies pour vous garantir la meilleure expérience sur notre site. "
             "Si vous continuez à utiliser ce dernier, nous considérerons que vous acceptez "
             "l'utilisation des cookies."],
            ["Le respect de votre vie privée est notre priorité",
             "{name} et ses {n} partenaires déposent des traceurs pour mesurer l'audience, "
             "personnaliser les contenus et la publicité. Vous pouvez accepter ou refuser ces "
             "traceurs, et modifier vos choix à tout moment en cliquant sur le lien « Gérer mes "
             "cookies » en bas de page."],
        ],
        "buttons": ["Tout accepterTout refuserParamétrer vos choix", "AccepterRefuser",
                    "Accepter et fermerContinuer sans accepter", "OK", "J'accepte",
                    "Tout accepter\nTout refuser\nPersonnaliser"],
        "copyright": ["© {year} {name}. Tous droits réservés.", "© {name} {year}",
                      "Copyright © {y0}-{year} {name} - Reproduction interdite",
                      "{name} © {year} - Tous droits réservés"],
        "mostread": ["Les plus lus", "Les articles les plus lus", "Les plus partagés", "À la une"],
        "newsletter": ["Inscrivez-vous à notre newsletter pour recevoir l'essentiel de l'actualité "
                       "chaque matin.", "Recevez gratuitement notre newsletter quotidienne",
                       "Abonnez-vous à la newsletter de {name}",
                       "Newsletter : l'actu du jour dans votre boîte mail. Je m'inscris"],
        "readmore": ["En savoir plus : {h}", "Lire aussi : {h}", "À lire aussi : {h}",
                     "LIRE AUSSI - {h}", "Sur le même sujet : {h}", "Lire aussi >> {h}"],
        "agencies": ["AFP", "AFP", "AFP", "Reuters", "AP"],
        "credit": ["- Avec {a}", "(Avec {a})", "Avec {a}", "avec {a}", "Avec {a} et {b}",
                   "Par la rédaction avec {a}"],
        "photo": ["Photo : {who} / {a}", "© {a}", "Crédit photo : {who}", "Source: {a}",
                  "Photo d'illustration © {who} / {a}", "© {who} / {a}"],
        "date": ["Publié le {d} {month} {y} à {H}h{M}", "Publié le {dd}/{mm}/{y} à {H}:{M}",
                 "Mis à jour le {d} {month} {y}", "{weekday} {d} {month} {y}",
                 "Publié le {d} {month} {y} à {H}h{M}, mis à jour à {H2}h{M}"],
        "byline": ["Par {person}", "Par {person}", "Par {person}, envoyé spécial à {place}",
                   "{person}"],
        "dateline": "{CITY} ({a}) - ",
        "title_sep": " : ",
    },
    "en": {
        "follow": ["Follow {name} on{sp}{net}", "Follow us on{sp}{net}", "Join us on{sp}{net}",
                   "Find us on{sp}{net}"],
        "networks": ["Twitter", "Facebook", "X", "Instagram", "Telegram", "Google News"],
        "share": ["Share", "Share\nTweet\nFacebookTwitterEmail", "Share this", "Copy link",
                  "FacebookTwitterLinkedInEmail"],
        "consent": [
            ["We use cookies to personalise content and ads, to provide social media features and "
             "to analyse our traffic. By continuing to browse this site you agree to our use of "
             "cookies."],
            ["{name} and our {n} partners store and access information on your device, such as "
             "cookies, and process personal data such as unique identifiers. By clicking \"Accept "
             "all\" you consent to this processing. You can change your preferences at any time in "
             "Manage preferences or read our Privacy Policy.",
             "Your privacy matters to us"],
            ["This website uses cookies to improve your experience. See our cookie policy for "
             "details."],
        ],
        "buttons": ["Accept allReject all", "OK", "I agree", "Accept all cookies\nManage preferences",
                    "AcceptDecline"],
        "copyright": ["© {year} {name}. All rights reserved.", "© {name} {year}",
                      "Copyright {y0}-{year} {name}", "© Copyright {year} {name}"],
        "mostread": ["Most read", "Most Read", "Trending now", "Most popular"],
        "newsletter": ["Sign up for our newsletter", "Subscribe to the morning briefing",
                       "Get the {name} newsletter in your inbox every weekday",
                       "Already a subscriber? Log in"],
        "readmore": ["Read more: {h}", "See also: {h}", "Related: {h}", "READ MORE: {h}",
                     "Also read | {h}"],
        "agencies": ["AP", "Reuters", "AP", "PA", "AFP"],
        "credit": ["By {a}", "({a})", "With {a}", "Additional reporting by {a}",
                   "- {a}"],
        "photo": ["Photo: {who}/{a}", "Credit: {who}", "© {a}", "Image: {who} via {a}",
                  "Photograph: {who}/{a}"],
        "date": ["Published {d} {month} {y}", "{month} {d}, {y}", "Published on {month} {d}, {y} "
                 "at {h12}:{M} {ampm}", "Updated {d} {month} {y}, {H}:{M}",
                 "{weekday} {d} {month} {y} {H}.{M} BST"],
        "byline": ["By {person}", "By {person} and {person2}", "By {person}, Political Reporter",
                   "{person}"],
        "dateline": "{CITY} ({a}) — ",
        "title_sep": ": ",
    },
    "de": {
        "follow": ["Folgen Sie uns auf{sp}{net}", "Folgen Sie {name} auf{sp}{net}"],
        "networks": ["Facebook", "Twitter", "Instagram", "WhatsApp", "X"],
        "share": ["Teilen", "Teilen\nDrucken", "FacebookTwitterE-Mail"],
        "consent": [
            ["Wir verwenden Cookies und ähnliche Technologien, um Ihnen ein optimales "
             "Nutzungserlebnis zu bieten, die Reichweite unserer Angebote zu messen und Ihnen "
             "personalisierte Werbung anzuzeigen. Mit einem Klick auf „Alle akzeptieren“ willigen "
             "Sie in die Verarbeitung Ihrer Daten durch uns und unsere {n} Partner ein. Ihre "
             "Einwilligung können Sie jederzeit über den Link „Datenschutz-Einstellungen“ am Ende "
             "jeder Seite widerrufen."],
            ["Datenschutzhinweis: {name} nutzt Cookies, um personenbezogene Daten zu verarbeiten. "
             "Mehr dazu in unserer Datenschutzerklärung."],
        ],
        "buttons": ["Alle akzeptierenAlle ablehnen\nEinstellungen", "Akzeptieren", "OK",
                    "Alle akzeptierenAlle ablehnen"],
        "copyright": ["© {year} {name}. Alle Rechte vorbehalten.", "© {name} {year}",
                      "Copyright © {year} {name}"],
        "mostread": ["Meistgelesen", "Meistgelesene Artikel", "Top-Themen"],
        "newsletter": ["Newsletter abonnieren: Die wichtigsten Nachrichten jeden Morgen",
                       "Jetzt abonnieren und weiterlesen"],
        "readmore": ["Mehr zum Thema: {h}", "Lesen Sie auch: {h}", "Auch interessant: {h}"],
        "agencies": ["dpa", "dpa", "AFP", "KNA", "epd"],
        "credit": ["({a})", "Mit Material von {a}", "- {a}", "Quelle: {a}"],
        "photo": ["Foto: {name}/{who}", "Bild: {who}/{a}", "© {a}", "Foto: {a}/{who}"],
        "date": ["Veröffentlicht am {dd}.{mm}.{y}, {H}:{M} Uhr", "Stand: {d}. {month} {y}",
                 "Aktualisiert am {dd}.{mm}.{y} um {H}:{M} Uhr"],
        "byline": ["Von {person}", "{person}"],
        "dateline": "{City} ({a}) - ",
        "title_sep": ": ",
    },
    "es": {
        "follow": ["Síguenos en{sp}{net}", "Sigue a {name} en{sp}{net}"],
        "networks": ["Twitter", "Facebook", "Instagram", "Telegram", "WhatsApp"],
        "share": ["Compartir", "Compartir\nImprimir", "FacebookTwitterWhatsapp"],
        "consent": [
            ["Utilizamos cookies propias y de terceros con fines analíticos y para mostrarte "
             "publicidad personalizada en base a un perfil elaborado a partir de tus hábitos de "
             "navegación. Puedes aceptar todas las cookies pulsando el botón \"Aceptar todo\", "
             "rechazarlas pulsando \"Rechazar todo\" o configurar su uso pulsando \"Configurar\". "
             "Para más información, consulta nuestra Política de cookies."],
            ["{name} utiliza cookies para tratar datos personales con su consentimiento. Más "
             "información en nuestra política de privacidad."],
        ],
        "buttons": ["Aceptar todoRechazar todoConfigurar", "Aceptar", "Aceptar todo\nRechazar todo"],
        "copyright": ["© {name} {year}", "© {year} {name}. Todos los derechos reservados.",
                      "Copyright © {y0}-{year} {name}"],
        "mostread": ["Lo más leído", "Lo más visto", "Noticias destacadas"],
        "newsletter": ["Suscríbete a nuestra newsletter", "Recibe cada mañana el boletín de {name}"],
        "readmore": ["Lea también: {h}", "Leer más: {h}", "Te puede interesar: {h}"],
        "agencies": ["EFE", "EFE", "Europa Press"],
        "credit": ["({a})", "Fuente: {a}", "Con información de {a}", "- {a}"],
        "photo": ["Foto: {a}/{who}", "© {a}", "Imagen: {who}"],
        "date": ["Publicado el {d} de {month} de {y} a las {H}:{M}", "{dd}/{mm}/{y} {H}:{M}",
                 "Actualizado el {d} de {month} de {y}"],
        "byline": ["Por {person}", "{person}"],
        "dateline": "{City}, {d} {mon} ({a}).- ",
        "title_sep": ": ",
    },
    "it": {
        "follow": ["Seguici su{sp}{net}", "Segui {name} su{sp}{net}"],
        "networks": ["Facebook", "Twitter", "Instagram", "Telegram"],
        "share": ["Condividi", "Condividi\nStampa", "FacebookTwitterEmail"],
        "consent": [
            ["Questo sito utilizza cookie tecnici e, previo tuo consenso, cookie di profilazione "
             "propri e di terze parti. Cliccando su \"Accetta tutto\" acconsenti al trattamento dei "
             "tuoi dati personali. Per saperne di più consulta l'informativa estesa."],
            ["{name} utilizza cookie per migliorare la tua esperienza. Continuando la navigazione "
             "accetti l'uso dei cookie secondo la nostra informativa."],
        ],
        "buttons": ["Accetta tuttoRifiuta tutto", "Accetta", "OK", "Accetta tutto\nRifiuta tutto"],
        "copyright": ["© {year} {name}. Tutti i diritti riservati.", "© {name} {year}",
                      "Copyright {y0}-{year} © {name}"],
        "mostread": ["I più letti", "Più letti di oggi", "In evidenza"],
        "newsletter": ["Iscriviti alla newsletter di {name}", "Abbonati per continuare a leggere"],
        "readmore": ["Leggi anche: {h}", "LEGGI ANCHE - {h}", "Approfondisci: {h}"],
        "agencies": ["ANSA", "ANSA", "Adnkronos", "AGI"],
        "credit": ["({a})", "Fonte: {a}", "- {a}"],
        "photo": ["Foto: {a}/{who}", "© {a}", "Foto di {who}"],
        "date": ["Pubblicato il {d} {month} {y} alle {H}:{M}", "{dd}/{mm}/{y} {H}:{M}",
                 "Aggiornato il {d} {month} {y}"],
        "byline": ["di {person}", "{person}"],
        "dateline": "{CITY} ({a}) - ",
        "title_sep": ": ",
    },
}

# (name, language, slogan): invented outlets, biggest first within each language.
OUTLETS = [
    ("Le Courrier du Matin", "fr", "L'information dès l'aube"),
    ("L'Écho des Deux Rives", "fr", "Votre actualité, des deux côtés du fleuve"),
    ("Radio Horizon Info", "fr", "Le monde en direct"),
    ("Le Journal de Valmont", "fr", "Le quotidien de toute la vallée"),
    ("Info Métropole", "fr", "L'info qui vous concerne"),
    ("La Voix du Plateau", "fr", "Depuis 1924 aux côtés de ses lecteurs"),
    ("Le Veilleur des Alpes", "fr", "L'actualité des sommets aux vallées"),
    ("Presse Océane", "fr", "Toute l'actualité de la côte"),
    ("Actu Provinces", "fr", "Les régions d'abord"),
    ("Le Petit Fanal", "fr", "Petit journal, grandes nouvelles"),
    ("Côte Sud Hebdo", "fr", "Chaque semaine, votre territoire"),
    ("Les Nouvelles de Bordemer", "fr", "Au cœur de Bordemer"),
    ("The Daily Meridian", "en", "News without the noise"),
    ("Harbourside Gazette", "en", "Serving the waterfront since 1902"),
    ("Westbrook Chronicle", "en", "Your town, your stories"),
    ("The Lantern Post", "en", "Shedding light on what matters"),
    ("Capital Dispatch", "en", "Politics, policy, power"),
    ("Der Talbote", "de", "Nachrichten aus dem Tal"),
    ("Hansewelle", "de", "Ihr Nachrichtenportal für den Norden"),
    ("El Faro del Sur", "es", "La actualidad que ilumina"),
    ("Diario Altamira", "es", "Información independiente desde 1978"),
    ("La Gazzetta di Montebruno", "it", "Le notizie della tua provincia"),
]
OUTLET_ZIPF_S = 1.1


def outlet_style(rng: random.Random, index: int, name: str, lang: str, slogan: str) -> dict:
    """An outlet's page template: which variant of each piece of furniture it uses, where it
    puts them, and how often the scraper catches each one."""
    f = FURNITURE[lang]
    pick = rng.choice
    tail = ["slogan", "follow", "newsletter", "mostread"]
    rng.shuffle(tail)
    tail += ["consent", "buttons"] if rng.random() < 0.7 else ["buttons", "consent"]
    tail.insert(len(tail) if rng.random() < 0.6 else rng.randrange(len(tail)), "copyright")
    return {
        "index": index, "name": name, "lang": lang,
        "slogan": pick([f"{name} – {slogan}", f"{name} - {slogan}", slogan, f"{name} : {slogan}"
                        if lang == "fr" else f"{name}: {slogan}", name]),
        "follow": pick(f["follow"]).replace("{name}", name),
        "follow_sp": "" if rng.random() < 0.4 else " ",  # "surTelegram"
        "networks": rng.sample(f["networks"], 2),
        "follow_head": rng.random() < 0.5,
        "share": pick(f["share"]) if rng.random() < 0.7 else None,
        "consent": [p.replace("{name}", name).replace("{n}", str(rng.randint(40, 900)))
                    for p in pick(f["consent"])],
        "buttons": pick(f["buttons"]),
        "copyright": pick(f["copyright"]),
        "mostread": pick(f["mostread"]),
        "mostread_inline": rng.random() < 0.15,
        "mostread_numbered": rng.random() < 0.5,
        "newsletter": pick(f["newsletter"]).replace("{name}", name),
        "newsletter_inline": rng.random() < 0.2,
        "readmore": pick(f["readmore"]),
        "readmore_max": rng.choice((0, 1, 2, 3, 3)),
        "agency_p": rng.choice((0.1, 0.3, 0.5, 0.8)),
        "credit": pick(f["credit"]),
        "credit_head": rng.random() < 0.5,
        "dateline_p": rng.choice((0.0, 0.5, 0.9)),
        "photo_p": rng.choice((0.3, 0.6, 0.9)),
        "photo": pick(f["photo"]),
        "caption_first": rng.random() < 0.5,
        "title_with_credit": rng.random() < 0.15,  # "Headline Source: Reuters" above the photo
        "date_p": rng.choice((0.0, 0.0, 0.3, 0.6, 0.9)),
        "date": pick(f["date"]),
        "byline_p": rng.choice((0.0, 0.3, 0.7)),
        "byline": pick(f["byline"]),
        "present": {k: rng.choice((0.8, 0.9, 1.0)) for k in tail},
        "tail": tail,
        "curly": rng.random() < 0.5,   # ’ instead of '
        "nbsp": lang == "fr" and rng.random() < 0.3,  # "Lire aussi\u00a0: ..."
        "trailing_space": rng.random() < 0.2,
        "title_suffix": rng.random() < 0.1,  # "Headline - Outlet"
        "intertitle_p": rng.choice((0.0, 0.1, 0.25)),
    }


# ------------------------------------------------------------------------------------------

def build_context(seed: int) -> dict:
    rng = random.Random(seed)
    models = {code: WordModel(code, rng) for code in LANGS}
    # own stream: outlet templates stay put when the vocabulary code changes
    orng = random.Random(seed * 31 + 7)
    outlets = [outlet_style(orng, i, *o) for i, o in enumerate(OUTLETS)]
    by_lang: dict[str, tuple[list[dict], list[float]]] = {}
    for code in LANGS:
        members = [o for o in outlets if o["lang"] == code]
        weights = [1.0 / (r + 1) ** OUTLET_ZIPF_S for r in range(len(members))]
        by_lang[code] = (members, list(itertools.accumulate(weights)))
    return {"seed": seed, "models": models, "outlets": outlets, "by_lang": by_lang,
            "langs": list(LANG_SHARES), "lang_cw": list(itertools.accumulate(LANG_SHARES.values()))}


def _weighted(rng: random.Random, items: list, cum: list[float]):
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


def person(rng: random.Random, lang: str) -> str:
    spec = LANGS[lang]
    return f"{rng.choice(spec['first'])} {rng.choice(spec['last'])}"


def sentence(rng: random.Random, model: WordModel, entities: list[str], n: int) -> str:
    ws = model.sample(rng, n)
    for k in range(1, n):  # "de de", "und und": a unigram model's stutter
        if ws[k] == ws[k - 1]:
            ws[k] = rng.choice(model.content)
    for _ in range(n // 12):
        if entities and rng.random() < 0.45:
            ws[rng.randrange(n)] = rng.choice(entities)
    for _ in range(n // 9):
        i = rng.randrange(1, max(2, n - 1))
        if not ws[i - 1].endswith(("'", ",")):
            ws[i - 1] += ","
    if rng.random() < 0.15:
        ws.insert(rng.randrange(len(ws)), number(rng, model.code))
    s = model.join(ws).rstrip(",'")
    s = cap(s)
    end = "." if rng.random() < 0.93 else rng.choice(("?", "!", "…"))
    if model.code == "fr" and end in "?!":
        end = " " + end
    if rng.random() < 0.07:
        q0, q1 = LANGS[model.code]["quote"]
        return q0 + s + end + q1
    return s + end


def number(rng: random.Random, lang: str) -> str:
    r = rng.random()
    if r < 0.4:
        return str(rng.randint(2, 999))
    if r < 0.7:
        return str(rng.randint(1950, 2024))
    whole, frac = rng.randint(1, 99), rng.randint(0, 9)
    return {"en": f"{whole}.{frac}%", "fr": f"{whole},{frac} %", "de": f"{whole},{frac} Prozent"}.get(
        lang, f"{whole},{frac}%")


def headline(rng: random.Random, model: WordModel, entities: list[str]) -> str:
    ws = model.sample(rng, rng.randint(6, 13))
    if entities and rng.random() < 0.6:
        ws[rng.randrange(len(ws))] = rng.choice(entities)
    h = cap(model.join(ws).rstrip(",'"))
    if entities and rng.random() < 0.25:
        h = rng.choice(entities) + FURNITURE[model.code]["title_sep"] + h
    return h


def format_date(template: str, lang: str, when: dt.datetime, rng: random.Random) -> str:
    months = MONTHS[lang]
    weekdays = WEEKDAYS.get(lang, WEEKDAYS["en"])
    d = when.day
    day = ("1er" if d == 1 else str(d)) if lang == "fr" else str(d)
    return template.format(
        d=day, dd=f"{d:02d}", mm=f"{when.month:02d}", month=months[when.month - 1], y=when.year,
        H=f"{when.hour:02d}", M=f"{when.minute:02d}",
        H2=f"{min(23, when.hour + rng.randint(1, 5)):02d}", h12=(when.hour - 1) % 12 + 1,
        ampm="a.m." if when.hour < 12 else "p.m.", weekday=weekdays[when.weekday()])


def article(i: int, ctx: dict, depth: int = 0) -> dict:
    """Article i as a list of blocks (each block is a paragraph of the page; a block may hold
    several lines glued without a blank line). Depends only on (seed, i)."""
    seed = ctx["seed"]
    rng = random.Random(seed * 1_000_003 + i)
    r = rng.random()
    if i > 0 and r < EXACT_DUP_SHARE + NEAR_DUP_SHARE and depth < 20:
        j = rng.randrange(i)
        a = article(j, ctx, depth + 1)
        a = dict(a, dup_of=a.get("dup_of", j) if a["kind"] == "exact" else j)
        if r < EXACT_DUP_SHARE:
            return dict(a, kind="exact")
        blocks = list(a["blocks"])
        body_at = [k for k, (kind, _) in enumerate(blocks) if kind == "body"]
        k = rng.choice(body_at)
        model = ctx["models"][a["language"]]
        extra = sentence(rng, model, a["entities"], rng.randint(10, 28))
        if rng.random() < 0.5:
            blocks[k] = ("body", blocks[k][1] + " " + extra)
        else:
            blocks[k] = ("body", extra + " " + blocks[k][1])
        return dict(a, blocks=blocks, kind="near")

    lang = _weighted(rng, ctx["langs"], ctx["lang_cw"])
    members, cum = ctx["by_lang"][lang]
    o = _weighted(rng, members, cum)
    f = FURNITURE[lang]
    spec = LANGS[lang]
    model: WordModel = ctx["models"][lang]
    when = dt.datetime(2015, 1, 1, 6, 0) + dt.timedelta(days=rng.randrange(3653),
                                                         minutes=rng.randrange(17 * 60))
    people = [person(rng, lang) for _ in range(rng.randint(1, 3))]
    places = rng.sample(spec["places"], 2)
    entities = people + [p.split()[-1] for p in people] + places
    title = headline(rng, model, entities)
    agency = rng.choice(f["agencies"]) if rng.random() < o["agency_p"] else None
    other = rng.choice([a for a in f["agencies"] if a != agency] or ["Reuters"])
    present = o["present"]

    # --- body
    target = rng.randint(300, 860)  # names and numbers add a few words
    n_par = rng.randint(4, 10)
    shares = [rng.uniform(0.6, 1.4) for _ in range(n_par)]
    budgets = [max(25, round(target * w / sum(shares))) for w in shares]
    paragraphs = []
    for budget in budgets:
        sents = []
        while budget >= 5:
            n = rng.randint(8, 30)
            if budget - n < 5:
                n = budget
            sents.append(sentence(rng, model, entities, n))
            budget -= n
        paragraphs.append(" ".join(sents))
    if agency and rng.random() < o["dateline_p"]:
        city = rng.choice(spec["cities_upper"])
        paragraphs[0] = f["dateline"].format(
            CITY=city, City=city, a=agency, d=when.day,
            mon=MONTHS[lang][when.month - 1][:3]) + paragraphs[0]

    def fmt(template: str) -> str:
        return template.format(name=o["name"], a=agency or other, b=other,
                               who=person(rng, lang), h=headline(rng, model, entities),
                               person=person(rng, lang), person2=person(rng, lang),
                               place=rng.choice(spec["places"]))

    # --- head
    blocks: list[tuple[str, str]] = []
    if agency and o["credit_head"]:
        blocks.append(("credit", fmt(o["credit"])))
    if rng.random() < o["date_p"]:
        blocks.append(("date", format_date(o["date"], lang, when, rng)))
    if rng.random() < o["byline_p"]:
        blocks.append(("byline", fmt(o["byline"])))
    head: list[str] = []
    if o["share"]:
        head.append(o["share"])
    if rng.random() < o["photo_p"]:
        caption = cap(model.join(model.sample(rng, rng.randint(5, 14))))
        if rng.random() < 0.5:
            caption += "."
        credit = fmt(o["photo"])
        if o["title_with_credit"]:
            head.append(f"{title} {credit}")
            head.append(caption)
        else:
            head.extend([caption, credit] if o["caption_first"] else [credit, caption])
    if o["follow_head"]:
        head.append(o["follow"].format(sp=o["follow_sp"], net=o["networks"][0]))
    if head:
        blocks.append(("head", "\n".join(head)))

    # --- body with read-more links, intertitles, inline boxes
    n_read = rng.randint(0, o["readmore_max"]) if o["readmore_max"] else 0
    read_at = set(rng.sample(range(1, n_par), min(n_read, n_par - 1)))
    mostread = most_read(ctx, o, i)
    inline_box = rng.randrange(2, n_par) if n_par > 2 else None
    for k, par in enumerate(paragraphs):
        if k in read_at:
            blocks.append(("readmore", fmt(o["readmore"])))
        if k == inline_box:
            if o["mostread_inline"] and rng.random() < present["mostread"]:
                blocks.append(("mostread", mostread))
            if o["newsletter_inline"] and rng.random() < present["newsletter"]:
                blocks.append(("newsletter", o["newsletter"]))
        if 0 < k < n_par and rng.random() < o["intertitle_p"]:
            blocks.append(("intertitle", cap(model.join(model.sample(rng, rng.randint(3, 7))))))
        blocks.append(("body", par))
    if agency and not o["credit_head"]:
        blocks.append(("credit", fmt(o["credit"])))

    # --- tail
    year = rng.choice((when.year, when.year, when.year + 1, 2024, 2025))
    for part in o["tail"]:
        if rng.random() >= present[part]:
            continue
        if part == "slogan":
            blocks.append(("slogan", o["slogan"]))
        elif part == "follow":
            blocks.append(("follow", o["follow"].format(sp=o["follow_sp"], net=o["networks"][-1])))
        elif part == "newsletter" and not o["newsletter_inline"]:
            blocks.append(("newsletter", o["newsletter"]))
        elif part == "mostread" and not o["mostread_inline"]:
            blocks.append(("mostread", mostread))
        elif part == "consent":
            blocks.extend(("consent", p) for p in o["consent"])
        elif part == "buttons":
            blocks.append(("buttons", o["buttons"]))
        elif part == "copyright":
            blocks.append(("copyright", o["copyright"].format(
                name=o["name"], year=year, y0=rng.choice((1998, 2005, 2012)))))

    shown_title = f"{title} - {o['name']}" if o["title_suffix"] else title
    return {"index": i, "kind": "original", "title": title, "shown_title": shown_title,
            "outlet": o["name"], "language": lang, "date": when.date().isoformat(),
            "dated": any(kind == "date" for kind, _ in blocks),
            "agencies": ([agency, other] if "{b}" in o["credit"] else [agency]) if agency else [], "entities": entities, "blocks": blocks,
            "style": o["index"]}


def most_read(ctx: dict, o: dict, i: int) -> str:
    """The outlet's most-read box: the same for a stretch of consecutive articles (as a scraper
    crawling one site at one time would see), changing slowly."""
    bucket = i // 200
    cache = ctx.setdefault("most_read", {})
    if (o["index"], bucket) in cache:
        return cache[o["index"], bucket]
    rng = random.Random(ctx["seed"] * 7919 + o["index"] * 1_000_003 + bucket)
    model = ctx["models"][o["lang"]]
    spec = LANGS[o["lang"]]
    ents = [person(rng, o["lang"]) for _ in range(3)] + spec["places"][:4]
    items = [headline(rng, model, ents) for _ in range(rng.randint(3, 5))]
    if o["mostread_numbered"]:
        items = [f"{k}. {h}" for k, h in enumerate(items, 1)]
    cache[o["index"], bucket] = box = "\n".join([o["mostread"], *items])
    return box


def typeset(text: str, o: dict) -> str:
    """The outlet's typography: curly apostrophes, non-breaking spaces in French."""
    if o["curly"]:
        text = text.replace("'", "’")
    if o["nbsp"]:
        text = re.sub(r" ([:;!?»])", "\u00a0\\1", text).replace("« ", "«\u00a0")
    return text


def render(a: dict, ctx: dict) -> bytes:
    o = ctx["outlets"][a["style"]]
    blocks = [text for _, text in a["blocks"]]
    text = typeset(a["shown_title"] + "\n\n" + "\n\n".join(blocks) + "\n", o)
    if o["trailing_space"]:
        text = text.replace(".\n", ". \n")
    return text.encode("utf-8")


def generate(n: int, out: str, seed: int = DEFAULT_SEED, truth: str | None = None) -> dict:
    """Write n raw articles into out; return counts."""
    ctx = build_context(seed)
    os.makedirs(out, exist_ok=True)
    stats = {"files": 0, "bytes": 0, "exact": 0, "near": 0, "by_lang": {}, "by_outlet": {}}
    tf = open(truth, "w", encoding="utf-8") if truth else None
    try:
        for i in range(n):
            a = article(i, ctx)
            data = render(a, ctx)
            name = f"{i:06d}_{hashlib.sha256(data).hexdigest()[:16]}.txt"
            with open(os.path.join(out, name), "wb") as fh:
                fh.write(data)
            stats["files"] += 1
            stats["bytes"] += len(data)
            if a["kind"] != "original":
                stats[a["kind"]] += 1
            stats["by_lang"][a["language"]] = stats["by_lang"].get(a["language"], 0) + 1
            stats["by_outlet"][a["outlet"]] = stats["by_outlet"].get(a["outlet"], 0) + 1
            if tf:
                o = ctx["outlets"][a["style"]]
                tf.write(json.dumps({
                    "file": name, "kind": a["kind"], "dup_of": a.get("dup_of"),
                    "title": typeset(a["title"], o), "outlet": a["outlet"], "language": a["language"],
                    "date": a["date"] if a["dated"] else None, "agencies": a["agencies"],
                    "body": [typeset(t, o) for kind, t in a["blocks"]
                             if kind in ("body", "intertitle")],
                }, ensure_ascii=False) + "\n")
    finally:
        if tf:
            tf.close()
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, required=True, help="number of files to write")
    ap.add_argument("--out", required=True, help="folder to write them into")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--truth", metavar="FILE", help="also write the expected results as JSON lines")
    ap.add_argument("--force", action="store_true",
                    help="delete generated files (NNNNNN_hash.txt) already in --out first")
    args = ap.parse_args(argv)
    if os.path.isdir(args.out):
        old = [f for f in os.listdir(args.out) if f.endswith(".txt")]
        if old and not args.force:
            print(f"gen_raw: {args.out} already holds {len(old)} .txt files; use an empty folder "
                  "or --force", file=sys.stderr)
            return 2
        for f in old:
            if FILE_RE.match(f):
                os.remove(os.path.join(args.out, f))
    t0 = time.perf_counter()
    stats = generate(args.n, args.out, args.seed, args.truth)
    secs = time.perf_counter() - t0
    langs = ", ".join(f"{k} {v}" for k, v in sorted(stats["by_lang"].items(), key=lambda kv: -kv[1]))
    print(f"wrote {stats['files']} files ({stats['bytes'] / 1e6:.1f} MB) to {args.out} in "
          f"{secs:.1f}s: {langs}; {len(stats['by_outlet'])} outlets; "
          f"{stats['exact']} exact and {stats['near']} near duplicates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
