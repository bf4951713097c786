"""Generate broadsheet content: N Markdown articles with YAML front matter, deterministic.

    python bench/gen_content.py --n 1000 --out /tmp/content [--seed S] [--start K]

For benchmarks when ../shared/bench/gen_corpus.py is not there. Standard library only.

Each file is `OUT/<slug>.md`, valid broadsheet content:

    ---
    title: "La commission a rejeté la réforme fiscale de la région"
    slug: la-commission-a-rejete-la-reforme-fiscale-de-la-region-41
    date: 2019-03-14T08:27:00+01:00
    language: fr
    source: "La Gazette du Rhône"
    tags:
    - "Économie"
    - "Lyon"
    - "Fiscalité"
    ---

    LYON — La réforme fiscale…

- **Front matter.** Dates spread over ten years (2015-2024, daytime, Paris offset with
  summer time). 3 to 6 tags per article, drawn from a pool of about 500 (themes, countries,
  cities, organisations, people, compounds such as "Élections en Italie") with Zipf weights,
  so a few tags are on thousands of articles and most on a handful. The source is one of
  ten invented outlets (French ones for French articles, English ones for English ones),
  also Zipf-weighted. About 88 % of articles are French and 12 % English.
- **Bodies.** 300 to 900 words, in paragraphs of 2 to 6 sentences. Sentences come from
  grammatical templates (subject, verb, object, complements, attributed quotes,
  "selon …", subordinate clauses) with gender and number agreement, French elision and
  contractions (l', d', du, aux), « quotes », figures and percentages. Content words come
  from a real head vocabulary (réforme, gouvernement, sécurité…) and a long tail of
  generated, accented pseudo-words (about 25,000 per language), all picked with Zipf
  weights, so the index sees a realistic vocabulary. Names from the tags recur in the text.
  Some articles have a dateline, intertitles (`##`), bold, a link, a list or a quotation.
- **Determinism.** Article i depends only on (seed, i): the same seed and N give the same
  bytes whatever PYTHONHASHSEED is, N=1000 is the first 1000 articles of N=10000, and
  `--start K --n M` writes articles K to K+M-1, with new slugs (a slug ends in `-i`).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import random
import sys
import unicodedata
from itertools import accumulate
from pathlib import Path

# ------------------------------------------------------------------ vocabulary: French
# (noun, gender)
FR_NOUNS = [(w, "m") for w in (
    "gouvernement ministre président projet accord budget marché secteur syndicat député "
    "parti conseil rapport procès tribunal débat scrutin vote sommet conflit territoire "
    "quartier hôpital réseau programme impôt salaire emploi logement chantier port aéroport "
    "groupe dirigeant électeur citoyen habitant enquêteur avocat juge maire préfet chercheur "
    "médecin agriculteur traité plan texte déficit chômage incendie séisme climat événement "
    "bilan niveau prix taux coût système modèle dispositif mouvement choix échec succès "
    "équilibre avenir contrat calendrier amendement référendum cessez-le-feu gouverneur "
    "investissement financement patrimoine ministère service quotidien festival stade").split()
] + [(w, "f") for w in (
    "réforme loi élection crise économie sécurité santé justice enquête frontière région "
    "ville commune entreprise banque dette inflation croissance grève manifestation "
    "opposition majorité coalition assemblée commission décision mesure proposition "
    "politique stratégie population famille jeunesse école université recherche énergie "
    "industrie agriculture armée police guerre paix négociation sanction aide hausse baisse "
    "situation question réunion conférence campagne victoire défaite tension menace attaque "
    "catastrophe inondation sécheresse pollution ressource eau route ligne centrale usine "
    "filière autorité administration procédure plainte affaire mobilisation transition "
    "pénurie facture retraite taxe subvention ambassade diplomatie saison équipe").split()]

# adjectives (masculine, feminine), after the noun
FR_ADJS = [tuple(p.split("/")) for p in (
    "économique/économique politique/politique européen/européenne français/française "
    "public/publique international/internationale national/nationale régional/régionale "
    "local/locale social/sociale fiscal/fiscale militaire/militaire judiciaire/judiciaire "
    "financier/financière important/importante récent/récente majeur/majeure "
    "historique/historique inédit/inédite sécuritaire/sécuritaire énergétique/énergétique "
    "climatique/climatique numérique/numérique sanitaire/sanitaire "
    "présidentiel/présidentielle législatif/législative étranger/étrangère "
    "américain/américaine allemand/allemande africain/africaine urbain/urbaine rural/rurale "
    "agricole/agricole industriel/industrielle diplomatique/diplomatique "
    "controversé/controversée complexe/complexe grave/grave difficile/difficile "
    "décisif/décisive massif/massive fragile/fragile provisoire/provisoire "
    "inquiétant/inquiétante ambitieux/ambitieuse"
).split()]

# transitive verbs (3rd person singular, plural)
FR_VERBS = [tuple(p.split("|")) for p in (
    "a annoncé|ont annoncé;a présenté|ont présenté;a rejeté|ont rejeté;a adopté|ont adopté;"
    "a dénoncé|ont dénoncé;a critiqué|ont critiqué;a lancé|ont lancé;a suspendu|ont suspendu;"
    "a approuvé|ont approuvé;a reporté|ont reporté;a obtenu|ont obtenu;réclame|réclament;"
    "prépare|préparent;examine|examinent;soutient|soutiennent;conteste|contestent;"
    "défend|défendent;prévoit|prévoient;propose|proposent;menace|menacent;"
    "renforce|renforcent;redoute|redoutent;pourrait relancer|pourraient relancer;"
    "devrait confirmer|devraient confirmer;entend réformer|entendent réformer;"
    "doit financer|doivent financer;vient de signer|viennent de signer;a accéléré|ont accéléré"
).split(";")]
FR_SAY = ["a déclaré", "a affirmé", "a expliqué", "a assuré", "a précisé", "a estimé",
          "a indiqué", "a souligné", "a regretté", "a prévenu", "a reconnu"]
FR_THINK = [tuple(p.split("|")) for p in (
    "estime|estiment;affirme|affirment;assure|assurent;rappelle|rappellent;"
    "reconnaît|reconnaissent;souligne|soulignent;craint|craignent;juge|jugent").split(";")]
FR_PREPS = ["dans", "pour", "sur", "avec", "par", "contre", "après", "avant", "malgré",
            "face à", "auprès de", "lors de", "en raison de", "à", "de", "depuis"]
FR_ADVS = ["mardi", "lundi soir", "jeudi matin", "mercredi", "vendredi", "ce week-end",
           "cette semaine", "depuis plusieurs mois", "à nouveau", "en fin de journée",
           "pour la première fois", "sans surprise", "dans la soirée", "à la mi-journée",
           "selon nos informations", "d'ici à {year}", "dès {month}", "en {month} dernier"]
FR_CONJ = ["mais", "alors que", "tandis que", "et", "car", "même si", "puisque"]
FR_ROLES = ["ministre de l'Intérieur", "porte-parole du gouvernement", "maire de {city}",
            "présidente de la commission", "secrétaire général du syndicat",
            "députée de {city}", "directeur de l'agence régionale", "économiste",
            "chercheuse au CNRS", "avocat de la famille", "procureur de {city}",
            "ministre des Finances", "responsable associatif", "sénateur de {city}"]
FR_MONTHS = ("janvier février mars avril mai juin juillet août septembre octobre novembre "
             "décembre").split()
FR_COUNT_NOUNS = ["habitants", "salariés", "électeurs", "manifestants", "logements",
                  "entreprises", "élèves", "patients", "emplois", "dossiers"]
FR_LIST_LEADS = ["Parmi les mesures annoncées :", "Les principaux points du texte :",
                 "Ce que prévoit le plan :", "Les chiffres clés :"]

# ------------------------------------------------------------------ vocabulary: English
EN_NOUNS = (
    "government minister president bill agreement budget market union election crisis "
    "economy security health court inquiry border region city company bank debt inflation "
    "growth strike protest opposition majority coalition parliament committee decision "
    "measure proposal policy strategy population family school university research energy "
    "industry army police war peace talks sanction aid rise fall situation question meeting "
    "conference campaign victory defeat tension threat attack disaster flood drought "
    "pollution water road plant factory authority procedure complaint case mayor judge "
    "lawyer ceasefire contract reform tax pension shortage deficit programme network").split()
EN_ADJS = [(w, w) for w in (
    "economic political national regional local social fiscal military judicial financial "
    "major recent historic unprecedented digital public international foreign controversial "
    "fragile serious difficult decisive massive senior key temporary ambitious "
    "worrying rural urban").split()] + [(w, w) for w in (
    "European French German American African").split()]
EN_VERBS = [tuple(p.split("|")) for p in (
    "has announced|have announced;announced|announced;rejected|rejected;approved|approved;"
    "is preparing|are preparing;backs|back;plans|plan;could revive|could revive;"
    "will review|will review;criticised|criticised;launched|launched;suspended|suspended;"
    "is seeking|are seeking;defended|defended;postponed|postponed;has secured|have secured;"
    "wants to overhaul|want to overhaul;must fund|must fund;signed|signed").split(";")]
EN_SAY = ["said", "told reporters", "added", "warned", "insisted", "explained", "noted"]
EN_THINK = [tuple(p.split("|")) for p in (
    "believes|believe;says|say;argues|argue;fears|fear;insists|insist;acknowledges|acknowledge"
).split(";")]
EN_PREPS = ["in", "for", "on", "with", "by", "against", "after", "before", "despite",
            "ahead of", "amid", "over", "under", "across"]
EN_ADVS = ["on Tuesday", "on Monday evening", "on Thursday", "this week", "for months",
           "again", "late on Friday", "for the first time", "as expected", "by {year}",
           "in {month}", "earlier this year"]
EN_CONJ = ["but", "while", "and", "because", "although", "as"]
EN_ROLES = ["the interior minister", "a government spokesperson", "the mayor of {city}",
            "the committee chair", "the union's general secretary", "an economist",
            "a senior official", "the family's lawyer", "the finance minister"]
EN_MONTHS = ("January February March April May June July August September October November "
             "December").split()
EN_COUNT_NOUNS = ["residents", "workers", "voters", "protesters", "homes", "companies",
                  "pupils", "patients", "jobs", "cases"]
EN_LIST_LEADS = ["The main measures:", "What the plan includes:", "Key figures:"]

# ------------------------------------------------------------------ names, tags, outlets
FIRST_NAMES = ("Claire Julien Sophie Nicolas Camille Thomas Léa Mathieu Élise Antoine Chloé "
               "Hugo Inès Karim Amélie Rachid Hélène Yannick Sarah David Mélanie Olivier "
               "Fatou Jérôme Nadia Grégoire Anaïs Benoît Laura Mehdi").split()
LAST_NAMES = ("Martin Bernard Moreau Lefèvre Girard Rousseau Mercier Faure Fournier Gauthier "
              "Perrin Chevalier Lemaire Barbier Brunet Roussel Bonnet Garnier Lacroix Benali "
              "Ndiaye Kowalski Delmas Meunier Rolland Caron Leblanc Hamidi Texier Poirier "
              "Vasseur Aubert Marchand Collin").split()
THEMES = ("Politique Économie Société International Europe Élections Santé Éducation "
          "Environnement Énergie Sécurité Justice Immigration Diplomatie Défense Agriculture "
          "Numérique Culture Cinéma Musique Littérature Football Rugby Tennis Cyclisme Climat "
          "Biodiversité Nucléaire Inflation Chômage Retraites Fiscalité Budget Bourse "
          "Entreprises Industrie Automobile Transports Logement Urbanisme Religion Laïcité "
          "Police Prisons Réfugiés Guerre Médias Presse Télévision Gastronomie Tourisme "
          "Patrimoine Histoire Syndicats Grèves Manifestations Corruption Cybersécurité "
          "Séismes Inondations Incendies Sécheresse Océans Pêche Forêts Pollution Eau "
          "Alimentation Pauvreté Inégalités Jeunesse Université Sport Théâtre Opéra "
          "Sciences Espace Recherche Hôpital Vaccins Télécoms").split() + [
    "Jeux olympiques", "Dette publique", "Droits de l'homme", "Intelligence artificielle",
    "Réseaux sociaux", "Jeux vidéo", "Bande dessinée", "Conseil constitutionnel",
    "Catastrophes naturelles", "Fraude fiscale", "Tour de France", "Coupe du monde"]
COUNTRIES = ("France Allemagne Italie Espagne Portugal Belgique Suisse Royaume-Uni Irlande "
             "Pologne Hongrie Roumanie Grèce Turquie Ukraine Russie Géorgie Arménie Israël "
             "Liban Syrie Irak Iran Égypte Libye Tunisie Algérie Maroc Sénégal Mali Niger "
             "Tchad Soudan Éthiopie Kenya Nigeria Cameroun Gabon Madagascar Inde Pakistan "
             "Chine Japon Vietnam Indonésie Australie Canada Québec Mexique Brésil Argentine "
             "Chili Pérou Colombie Venezuela Cuba Haïti Norvège Suède Finlande Danemark "
             "Autriche Serbie Croatie Bulgarie").split() + [
    "États-Unis", "Côte d'Ivoire", "Burkina Faso", "Arabie saoudite", "Corée du Sud",
    "Afrique du Sud", "Pays-Bas", "Nouvelle-Calédonie", "La Réunion"]
CITIES = ("Paris Lyon Marseille Toulouse Nantes Strasbourg Bordeaux Lille Rennes Montpellier "
          "Grenoble Dijon Brest Metz Nice Genève Lausanne Bruxelles Liège Montréal Dakar "
          "Abidjan Alger Tunis Beyrouth Berlin Londres Madrid Rome Varsovie Kiev").split()
ORGS = ["ONU", "Otan", "Union européenne", "Banque centrale européenne", "FMI", "OMS",
        "Assemblée nationale", "Sénat", "Cour de cassation", "SNCF", "CGT", "CNRS",
        "Commission européenne", "Conseil d'État", "Cour des comptes", "Unesco", "G20",
        "Parlement européen", "Insee", "Météo-France"]
COMPOUNDS = ["Élections en {c}", "Économie de {c}", "Crise en {c}", "Relations {c}-{d}",
             "Politique en {c}", "Sécurité à {city}", "Affaire {last}", "Procès {last}",
             "Municipales à {city}", "Transports à {city}", "Diplomatie de {c}"]
FR_SOURCES = ["La Gazette du Rhône", "L'Écho des Deux Rives", "Le Quotidien du Littoral",
              "La Voix de l'Est", "Le Matin d'Armor", "Nouvelles de Provence",
              "Le Journal des Alpes"]
EN_SOURCES = ["The Harbour Times", "Northern Ledger", "The Morning Dispatch"]

# ------------------------------------------------------------------ generated vocabulary
FR_ONSETS = "b c d f g l m n p r s t v ch gr pr tr br cr fl pl qu j b d l m p r t".split()
FR_VOWELS = "a e i o u é è ou ai au an on in eu a e i o u é a e i o ê â î ô é".split()
FR_CODAS = "r l s n".split()
FR_NOUN_ENDS = [("tion", "f"), ("ité", "f"), ("ure", "f"), ("ence", "f"), ("ade", "f"),
                ("ise", "f"), ("ette", "f"), ("ance", "f"), ("erie", "f"), ("ment", "m"),
                ("age", "m"), ("isme", "m"), ("eur", "m"), ("oir", "m"), ("at", "m"),
                ("ier", "m"), ("on", "m"), ("", "m"), ("e", "f")]
FR_ADJ_ENDS = [("ique", "ique"), ("el", "elle"), ("al", "ale"), ("eux", "euse"),
               ("if", "ive"), ("aire", "aire"), ("ien", "ienne"), ("é", "ée"),
               ("ant", "ante"), ("able", "able")]
EN_ONSETS = "b c d f g h l m n p r s t w st pr tr cl gr sh th br".split()
EN_VOWELS = "a e i o u ea ai oo ou a e i o".split()
EN_CODAS = "n r t l s nd st ck m p rd".split()
EN_NOUN_ENDS = ["tion", "ment", "ness", "ity", "er", "ance", "ism", "ship", ""]
EN_ADJ_ENDS = ["al", "ive", "ous", "ic", "able", "ful", "ary"]

VOWEL_START = tuple("aeiouyhéèêàâîôûAEIOUYHÉÈÊÀÂÎÔÛ")
VOWELS = "aeiouyéèêàâîôû"


class Zipf:
    """Pick items with weight 1/(rank+offset)^s, using only rng.random() (stable across
    Python versions)."""

    def __init__(self, items: list, s: float = 1.0, offset: float = 1.0):
        self.items = items
        self.cw = list(accumulate(1.0 / (k + offset) ** s for k in range(len(items))))

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect(self.cw, rng.random() * self.cw[-1])]


def pick(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


def syllables(rng, onsets, vowels, codas, n: int, coda_p: float, end: str = "") -> str:
    """n consonant-vowel syllables, maybe a final consonant, then `end`; a consonant goes
    between the stem and an ending that starts with a vowel."""
    out = "".join(pick(rng, onsets) + pick(rng, vowels) for _ in range(n))
    if rng.random() < coda_p or (end[:1] in VOWELS and out[-1:] in VOWELS):
        out += pick(rng, codas)
    return out + end


def fr_plural(word: str) -> str:
    if word.endswith(("s", "x", "z")):
        return word
    if word.endswith("al") and word not in ("festival", "final"):
        return word[:-2] + "aux"
    if word.endswith(("eau", "au", "eu")):
        return word + "x"
    return word + "s"


def slugify(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(c if c.isalnum() else " " for c in ascii_).split()
    return "-".join(words)


class Model:
    """Everything shared by all articles of one seed: vocabularies, names, tags, outlets."""

    def __init__(self, seed: int):
        rng = random.Random(f"broadsheet-gen-content-model:{seed}")
        seen: dict[str, None] = {}

        def fresh(make) -> str:
            for _ in range(100):  # a new word, or after 100 tries an old one
                w = make()
                if len(w) >= 4 and w not in seen:
                    break
            seen[w] = None
            return w

        for w, _ in FR_NOUNS:
            seen[w] = None
        fr_nouns = list(FR_NOUNS)
        for _ in range(16000):
            end, g = pick(rng, FR_NOUN_ENDS)
            n = 1 + (rng.random() < 0.55) + (rng.random() < 0.15)
            fr_nouns.append((fresh(lambda: syllables(rng, FR_ONSETS, FR_VOWELS, FR_CODAS, n,
                                                     0.3 if end else 0.6, end)), g))
        fr_adjs = list(FR_ADJS)
        for _ in range(5000):
            m, f = pick(rng, FR_ADJ_ENDS)
            stem = syllables(rng, FR_ONSETS, FR_VOWELS, FR_CODAS, 1 + (rng.random() < 0.5),
                             0, m)[: -len(m)]
            if stem + m in seen:
                continue
            seen[stem + m] = None
            fr_adjs.append((stem + m, stem + f))
        fr_verbs = list(FR_VERBS)
        for _ in range(4000):
            stem = fresh(lambda: syllables(rng, FR_ONSETS, FR_VOWELS, FR_CODAS,
                                           1 + (rng.random() < 0.6), 0) + pick(rng, "lrtnsdc"))
            r = rng.random()
            fr_verbs.append((stem + "e", stem + "ent") if r < 0.4 else
                            (f"a {stem}é", f"ont {stem}é") if r < 0.8 else
                            (f"pourrait {stem}er", f"pourraient {stem}er"))
        en_nouns = list(EN_NOUNS)
        for w in en_nouns:
            seen[w] = None
        for _ in range(12000):
            end = pick(rng, EN_NOUN_ENDS)
            n = 1 + (rng.random() < 0.5)
            en_nouns.append(fresh(lambda: syllables(rng, EN_ONSETS, EN_VOWELS, EN_CODAS, n,
                                                    0.7, end)))
        en_adjs = list(EN_ADJS)
        for _ in range(4000):
            w = syllables(rng, EN_ONSETS, EN_VOWELS, EN_CODAS, 1, 0.8, pick(rng, EN_ADJ_ENDS))
            if w not in seen:
                seen[w] = None
                en_adjs.append((w, w))
        en_verbs = list(EN_VERBS)
        for _ in range(3000):
            stem = fresh(lambda: syllables(rng, EN_ONSETS, EN_VOWELS, EN_CODAS,
                                           1 + (rng.random() < 0.4), 1.0))
            r = rng.random()
            en_verbs.append((stem + "s", stem) if r < 0.4 else (stem + "ed", stem + "ed")
                            if r < 0.8 else (f"could {stem}", f"could {stem}"))
        self.fr = {"noun": Zipf(fr_nouns, 1.05, 2), "adj": Zipf(fr_adjs, 1.0, 2),
                   "verb": Zipf(fr_verbs, 1.0, 3)}
        self.en = {"noun": Zipf(en_nouns, 1.05, 2), "adj": Zipf(en_adjs, 1.0, 2),
                   "verb": Zipf(en_verbs, 1.0, 3)}

        people: list[str] = []
        while len(people) < 90:
            name = f"{pick(rng, FIRST_NAMES)} {pick(rng, LAST_NAMES)}"
            if name not in people:
                people.append(name)
        self.people = people
        tags: list[str] = []

        def add(tag: str) -> None:
            if tag not in tags:
                tags.append(tag)

        heads = [THEMES, COUNTRIES, CITIES, ORGS, people[:40]]
        for k in range(max(map(len, heads))):  # interleave, so the Zipf head mixes kinds
            for group in heads:
                if k < len(group):
                    add(group[k])
        while len(tags) < 500:
            c, d = pick(rng, COUNTRIES[:35]), pick(rng, COUNTRIES[:35])
            if c != d:
                add(pick(rng, COMPOUNDS).format(c=c, d=d, city=pick(rng, CITIES),
                                                last=pick(rng, LAST_NAMES)))
        self.tags = Zipf(tags, 1.0, 1.5)
        self.fr_sources = Zipf(FR_SOURCES, 0.9)
        self.en_sources = Zipf(EN_SOURCES, 0.9)


# ------------------------------------------------------------------ French sentences
def fr_det(rng, g: str, pl: bool, noun: str) -> str:
    r = rng.random()
    vowel = noun.startswith(VOWEL_START)
    if r < 0.55:
        return "les " if pl else ("l'" if vowel else ("le " if g == "m" else "la "))
    if r < 0.8:
        return "des " if pl else ("un " if g == "m" else "une ")
    if r < 0.9:
        return "ces " if pl else ("cet " if g == "m" and vowel else "ce " if g == "m"
                                  else "cette ")
    if r < 0.95:
        return "ses " if pl else ("son " if g == "m" or vowel else "sa ")
    return "leurs " if pl else "leur "


def fr_que(word: str, clause: str) -> str:
    """`que` + `il …` -> `qu'il …` (and puisque, lorsque)."""
    if word.endswith("que") and clause.startswith(VOWEL_START):
        return f"{word[:-1]}'{clause}"
    return f"{word} {clause}"


def fr_join(prep: str, phrase: str) -> str:
    """`de` + `le …` -> `du …`, `à` + `les …` -> `aux …`, `de` + vowel -> `d'…`."""
    if not prep:
        return phrase
    last = prep.split()[-1]
    if last in ("de", "à"):
        head = prep[: -len(last)]
        for det, de, a in (("le ", "du ", "au "), ("les ", "des ", "aux "), ("des ", "de ", None)):
            if phrase.startswith(det) and (last == "de" or a):
                return head + (de if last == "de" else a) + phrase[len(det):]
        if last == "de" and phrase.startswith(VOWEL_START):
            return head + "d'" + phrase
    return f"{prep} {phrase}"


class French:
    def __init__(self, model: Model, rng: random.Random, names: list[str], speakers: list[str]):
        self.v, self.rng, self.names, self.speakers = model.fr, rng, names, speakers

    def np(self, prep: str = "", pl: bool | None = None, depth: int = 0) -> tuple[str, bool]:
        rng = self.rng
        if depth == 0 and rng.random() < 0.1:
            return fr_join(prep, pick(rng, self.names)), False
        noun, g = self.v["noun"](rng)
        pl = rng.random() < 0.3 if pl is None else pl
        word = fr_plural(noun) if pl else noun
        out = fr_det(rng, g, pl, noun) + word
        if rng.random() < 0.4:
            m, f = self.v["adj"](rng)
            adj = m if g == "m" else f
            out += " " + (fr_plural(adj) if pl else adj)
        if depth == 0 and rng.random() < 0.25:
            out += " " + self.np("de", depth=1)[0]
        return fr_join(prep, out), pl

    def pp(self) -> str:
        return " " + self.np(pick(self.rng, FR_PREPS))[0] if self.rng.random() < 0.55 else ""

    def adv(self, year: int) -> str:
        return pick(self.rng, FR_ADVS).format(year=year + int(self.rng.random() * 8),
                                              month=pick(self.rng, FR_MONTHS))

    def clause(self) -> str:
        subj, pl = self.np()
        verb = self.v["verb"](self.rng)[pl]
        return f"{subj} {verb} {self.np()[0]}"

    def figure(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            return f"{int(rng.random() * 60)},{int(rng.random() * 10)} %"
        n = int(10 ** (1 + rng.random() * 4.5))
        num = f"{n:,}".replace(",", " ")
        return f"{pick(rng, ('plus de ', 'près de ', 'environ ', ''))}{num} " \
               f"{pick(rng, FR_COUNT_NOUNS)}"

    def sentence(self, year: int) -> str:
        rng, r = self.rng, self.rng.random()
        if r < 0.3:
            s = self.clause() + self.pp() + "."
        elif r < 0.42:
            s = f"{self.adv(year)}, {self.clause()}{self.pp()}."
        elif r < 0.52:
            s = f"Selon {pick(rng, self.names) if rng.random() < 0.5 else self.np()[0]}, " \
                f"{self.clause()}."
        elif r < 0.62:
            q = self.clause()
            return f"« {q[0].upper() + q[1:]} », {pick(rng, FR_SAY)} {pick(rng, self.speakers)}."
        elif r < 0.72:
            role = pick(rng, FR_ROLES).format(city=pick(rng, CITIES))
            s = f"{pick(rng, self.speakers)}, {role}, {pick(rng, FR_THINK)[0]} " \
                f"{fr_que('que', self.clause())}."
        elif r < 0.87:
            s = f"{self.clause()}, {fr_que(pick(rng, FR_CONJ), self.clause())}{self.pp()}."
        else:
            subj, pl = self.np()
            s = f"{subj} {self.v['verb'](rng)[pl]} {self.figure()}{self.pp()}."
        return s[0].upper() + s[1:]

    def phrase(self) -> str:
        return self.np()[0]


def en_plural(word: str) -> str:
    if word.endswith("is"):
        return word[:-2] + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "sh", "ch", "x")):
        return word + "es"
    return word + "s"


class English:
    def __init__(self, model: Model, rng: random.Random, names: list[str], speakers: list[str]):
        self.v, self.rng, self.names, self.speakers = model.en, rng, names, speakers

    def np(self, prep: str = "", pl: bool | None = None, depth: int = 0) -> tuple[str, bool]:
        rng = self.rng
        pre = prep + " " if prep else ""
        if depth == 0 and rng.random() < 0.1:
            return pre + pick(rng, self.names), False
        noun = self.v["noun"](rng)
        pl = rng.random() < 0.3 if pl is None else pl
        if pl:
            noun = en_plural(noun)
        words = [noun]
        if rng.random() < 0.4:
            words.insert(0, self.v["adj"](rng)[0])
        r = rng.random()
        if r < 0.55:
            det = "the"
        elif r < 0.8:
            det = "" if pl else "an" if words[0].startswith(tuple("aeiou")) else "a"
        elif r < 0.9:
            det = "these" if pl else "this"
        else:
            det = "their"
        out = (det + " " if det else "") + " ".join(words)
        if depth == 0 and rng.random() < 0.25:
            out += " " + self.np("of", depth=1)[0]
        return pre + out, pl

    def pp(self) -> str:
        return " " + self.np(pick(self.rng, EN_PREPS))[0] if self.rng.random() < 0.55 else ""

    def adv(self, year: int) -> str:
        return pick(self.rng, EN_ADVS).format(year=year + int(self.rng.random() * 8),
                                              month=pick(self.rng, EN_MONTHS))

    def clause(self) -> str:
        subj, pl = self.np()
        return f"{subj} {self.v['verb'](self.rng)[pl]} {self.np()[0]}"

    def figure(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            return f"{int(rng.random() * 60)}.{int(rng.random() * 10)}%"
        return f"{pick(rng, ('more than ', 'nearly ', 'about ', ''))}" \
               f"{int(10 ** (1 + rng.random() * 4.5)):,} {pick(rng, EN_COUNT_NOUNS)}"

    def sentence(self, year: int) -> str:
        rng, r = self.rng, self.rng.random()
        if r < 0.3:
            s = self.clause() + self.pp() + "."
        elif r < 0.42:
            a = self.adv(year)
            s = f"{a[0].upper() + a[1:]}, {self.clause()}{self.pp()}."
        elif r < 0.52:
            s = f"According to {pick(rng, self.names) if rng.random() < 0.5 else self.np()[0]}, " \
                f"{self.clause()}."
        elif r < 0.62:
            q = self.clause()
            return f"\u201c{q[0].upper() + q[1:]},\u201d {pick(rng, self.speakers)} " \
                   f"{pick(rng, EN_SAY)}."
        elif r < 0.72:
            role = pick(rng, EN_ROLES).format(city=pick(rng, CITIES))
            s = f"{pick(rng, self.speakers)}, {role}, {pick(rng, EN_THINK)[0]} that " \
                f"{self.clause()}."
        elif r < 0.87:
            s = f"{self.clause()}, {pick(rng, EN_CONJ)} {self.clause()}{self.pp()}."
        else:
            subj, pl = self.np()
            s = f"{subj} {self.v['verb'](rng)[pl]} {self.figure()}{self.pp()}."
        return s[0].upper() + s[1:]

    def phrase(self) -> str:
        return self.np()[0]


# ------------------------------------------------------------------ articles
def paris_offset(when: dt.datetime) -> str:
    """+02:00 between the last Sundays of March and October, +01:00 otherwise."""
    def last_sunday(month: int) -> dt.date:
        d = dt.date(when.year, month, 31)
        return d - dt.timedelta(days=(d.weekday() + 1) % 7)
    return "+02:00" if last_sunday(3) <= when.date() < last_sunday(10) else "+01:00"


def yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def article(model: Model, seed: int, i: int) -> tuple[str, str]:
    """(slug, file text) of article i."""
    rng = random.Random(f"broadsheet-gen-content:{seed}:{i}")
    fr = rng.random() < 0.88
    tags: list[str] = []
    want = 3 + int(rng.random() * 4)
    while len(tags) < want:
        tag = model.tags(rng)
        if tag not in tags:
            tags.append(tag)
    when = dt.datetime(2015, 1, 1, 6) + dt.timedelta(days=int(rng.random() * 3653),
                                                      minutes=int(rng.random() * 17 * 60))
    source = (model.fr_sources if fr else model.en_sources)(rng)
    speakers = [t for t in tags if t in model.people] + [pick(rng, model.people)
                                                          for _ in range(3)]
    names = tags + speakers + [pick(rng, CITIES)]
    lang = (French if fr else English)(model, rng, names, speakers)

    title = lang.clause()
    if rng.random() < 0.25:
        title = f"{tags[0]} : {title}" if fr else f"{tags[0]}: {title}"
    title = title[0].upper() + title[1:]
    slug = f"{'-'.join(slugify(title).split('-')[:9])[:70].strip('-')}-{i}"

    target = 300 + int(rng.random() * 540)  # the last sentence may pass it by ~50 words
    blocks: list[str] = []
    words = 0
    while words < target:
        sentences = []
        for _ in range(2 + int(rng.random() * 5)):
            sentences.append(lang.sentence(when.year))
            words += len(sentences[-1].split())
            if words >= target:
                break
        par = " ".join(sentences)
        if not blocks and rng.random() < 0.3:
            words += 2
            par = f"{pick(rng, CITIES).upper()} — {par}"
        r = rng.random()
        if r < 0.08:  # a name in bold
            name = next((n for n in names if n in par), None)
            par = par.replace(name, f"**{name}**", 1) if name else par
        elif r < 0.14:  # a link on the first word of the second sentence
            head, dot, rest = par.partition(". ")
            if dot and rest:
                first, _, tail = rest.partition(" ")
                par = f"{head}. [{first}](https://example.org/{slugify(first) or 'x'}/{i}) {tail}"
        blocks.append(par)
        if 1 < len(blocks) and words < target - 60:
            r = rng.random()
            if r < 0.12:
                h = lang.phrase()
                blocks.append("## " + h[0].upper() + h[1:])
            elif r < 0.15:
                items = [f"- {lang.phrase()} ;" if fr else f"- {lang.phrase()};"
                         for _ in range(3 + int(rng.random() * 2))]
                items[-1] = items[-1].rstrip(" ;") + "."
                blocks.append(pick(rng, FR_LIST_LEADS if fr else EN_LIST_LEADS) + "\n\n"
                              + "\n".join(items))
                words += sum(len(x.split()) for x in items)
            elif r < 0.18:
                q = lang.sentence(when.year)
                blocks.append("> " + q)
                words += len(q.split())
    front = [
        "---",
        f"title: {yaml_str(title)}",
        f"slug: {slug}",
        f"date: {when.isoformat()}{paris_offset(when)}",
        f"language: {'fr' if fr else 'en'}",
        f"source: {yaml_str(source)}",
        "tags:",
        *(f"- {yaml_str(t)}" for t in tags),
        "---",
    ]
    return slug, "\n".join(front) + "\n\n" + "\n\n".join(blocks) + "\n"


def generate(n: int, out: Path, seed: int = 1, start: int = 0) -> tuple[int, int]:
    """Write articles start..start+n-1 into out; return (files, body words)."""
    model = Model(seed)
    out.mkdir(parents=True, exist_ok=True)
    words = 0
    for i in range(start, start + n):
        slug, text = article(model, seed, i)
        words += len(text.split("\n---\n", 1)[1].split())
        (out / f"{slug}.md").write_bytes(text.encode("utf-8"))
    return n, words


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, required=True, help="articles to write")
    ap.add_argument("--out", type=Path, required=True, help="folder to write them into")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, default=0,
                    help="number of the first article (default 0): --start N --n 10 gives "
                         "10 more articles, with new slugs, for a corpus of N")
    args = ap.parse_args(argv)
    if args.n < 0 or args.start < 0:
        ap.error("--n and --start must be 0 or more")
    files, words = generate(args.n, args.out, args.seed, args.start)
    print(f"wrote {files} articles ({words} body words, {words / max(files, 1):.0f}/article) "
          f"to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
