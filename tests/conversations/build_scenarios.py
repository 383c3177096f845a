"""Builds tests/conversations/scenarios.yml, the HELD-OUT conversation set of issue 11 (run once, output committed).

    PYTHONPATH=$PWD .venv/bin/python tests/conversations/build_scenarios.py

How the set is made (see tests/conversations/README.md):
- every sentence below (first messages, project descriptions, answers) was written by hand by a helper
  who did not read the NLU training data (data/nlu/*, tests/rasa/nlu_test.yml);
- collectivities are real entries of the referential, named by their INSEE code / SIREN here; the
  population, type and département come from the referential DATA (Referential.get, never the
  engine's name matching);
- the expected outcome is computed HERE from the rules as written in knowledge/rules.yml,
  knowledge/amounts.yml and knowledge/departements/*.yml (function `outcome`), never by running
  the bot or the engine;
- scenarios are composed with a fixed seed, so the file is reproducible.
NEVER train on the output, never copy its sentences into training data.
"""
from __future__ import annotations

import datetime as dt
import random
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).with_name("scenarios.yml")
SEED = 20211125
DEADLINE = dt.date(2022, 12, 31)      # rules.yml results_date.deadline
ELISION = re.compile(r"\bde (?=[AEIOUYÉÈÊÎaeiouyéèêî])")

# ------------------------------------------------------------------ collectivities (real, by code)
# (key, referential type, code, formal name, sms name, homonym: department answer or None, tags)
COLLS = [
    ("mamers", "commune", "72180", "Mamers", "mamers", None, "small"),
    ("le_mans", "commune", "72181", "Le Mans", "le mans", None, "article"),
    ("la_rochelle", "commune", "17300", "La Rochelle", "la rochelle", "celle de Charente-Maritime", "article homonym"),
    ("lhay", "commune", "94038", "L'Haÿ-les-Roses", "l'hay les roses", None, "article compound"),
    ("plougastel", "commune", "29189", "Plougastel-Daoulas", "plougastel daoulas", None, "compound"),
    ("daoulas", "commune", "29043", "Daoulas", "daoulas", None, "small"),
    ("st_denis_93", "commune", "93066", "Saint-Denis", "st denis", "celle du 93", "saint homonym"),
    ("st_denis_974", "commune", "97411", "Saint-Denis", "saint denis", "à la Réunion", "saint homonym"),
    ("ste_marie_35", "commune", "35294", "Sainte-Marie", "ste marie", "en Ille-et-Vilaine", "saint homonym small"),
    ("ste_marie_972", "commune", "97228", "Sainte-Marie", "sainte marie", "la Martinique", "saint homonym"),
    ("st_calais", "commune", "72269", "Saint-Calais", "st calais", None, "saint small"),
    ("st_malo", "commune", "35288", "Saint-Malo", "st malo", None, "saint"),
    ("st_pol", "commune", "29259", "Saint-Pol-de-Léon", "st pol de leon", None, "saint compound"),
    ("st_martin_re", "commune", "17369", "Saint-Martin-de-Ré", "st martin de re", None, "saint compound small"),
    ("st_flour", "commune", "15187", "Saint-Flour", "saint flour", None, "saint"),
    ("le_havre", "commune", "76351", "Le Havre", "le havre", None, "article"),
    ("sables", "commune", "85194", "Les Sables-d'Olonne", "les sables d'olonne", None, "article compound"),
    ("la_fleche", "commune", "72154", "La Flèche", "la fleche", None, "article"),
    ("ferte_bernard", "commune", "72132", "La Ferté-Bernard", "la ferte bernard", None, "article compound"),
    ("le_blanc", "commune", "36018", "Le Blanc", "le blanc", None, "article"),
    ("le_pouliguen", "commune", "44135", "Le Pouliguen", "le pouliguen", None, "article small"),
    ("la_teste", "commune", "33529", "La Teste-de-Buch", "la teste de buch", None, "article compound"),
    ("les_herbiers", "commune", "85109", "Les Herbiers", "les herbiers", None, "article"),
    ("isle_adam", "commune", "95313", "L'Isle-Adam", "l isle adam", None, "article compound"),
    ("puy", "commune", "43157", "Le Puy-en-Velay", "le puy en velay", None, "article compound"),
    ("la_roche_bernard", "commune", "56195", "La Roche-Bernard", "la roche bernard", None, "article compound small"),
    ("sable", "commune", "72264", "Sablé-sur-Sarthe", "sable sur sarthe", None, "compound"),
    ("bonnetable", "commune", "72039", "Bonnétable", "bonnetable", None, "small"),
    ("fresnay", "commune", "72138", "Fresnay-sur-Sarthe", "fresnay sur sarthe", None, "compound small"),
    ("locronan", "commune", "29134", "Locronan", "locronan", None, "small"),
    ("pont_aven", "commune", "29217", "Pont-Aven", "pont aven", None, "compound small"),
    ("carhaix", "commune", "29024", "Carhaix-Plouguer", "carhaix", None, "compound"),
    ("roscoff", "commune", "29239", "Roscoff", "roscoff", None, "small"),
    ("josselin", "commune", "56091", "Josselin", "josselin", None, "small"),
    ("ploermel", "commune", "56165", "Ploërmel", "ploermel", None, ""),
    ("vitre", "commune", "35360", "Vitré", "vitre", None, ""),
    ("combourg", "commune", "35085", "Combourg", "combourg", None, ""),
    ("dinan", "commune", "22050", "Dinan", "dinan", None, ""),
    ("paimpol", "commune", "22162", "Paimpol", "paimpol", None, ""),
    ("billom", "commune", "63040", "Billom", "billom", None, "small"),
    ("volvic", "commune", "63470", "Volvic", "volvic", None, "small"),
    ("thiers", "commune", "63430", "Thiers", "thiers", None, ""),
    ("clermont", "commune", "63113", "Clermont-Ferrand", "clermont ferrand", None, "compound"),
    ("chinon", "commune", "37072", "Chinon", "chinon", None, ""),
    ("azay", "commune", "37014", "Azay-le-Rideau", "azay le rideau", None, "compound small"),
    ("blere", "commune", "37027", "Bléré", "blere", None, "just over 5000"),
    ("colmar", "commune", "68066", "Colmar", "colmar", None, "68"),
    ("mulhouse", "commune", "68224", "Mulhouse", "mulhouse", None, "68 over cap"),
    ("kaysersberg", "commune", "68162", "Kaysersberg Vignoble", "kaysersberg vignoble", None, "68 small"),
    ("altkirch", "commune", "68004", "Altkirch", "altkirch", None, "68"),
    ("guebwiller", "commune", "68112", "Guebwiller", "guebwiller", None, "68"),
    ("bourg", "commune", "01053", "Bourg-en-Bresse", "bourg en bresse", None, "01 compound"),
    ("perouges", "commune", "01290", "Pérouges", "perouges", None, "01 small"),
    ("nantua", "commune", "01269", "Nantua", "nantua", None, "01 small"),
    ("ferney", "commune", "01160", "Ferney-Voltaire", "ferney voltaire", None, "01 compound"),
    ("royan", "commune", "17306", "Royan", "royan", None, ""),
    ("millau", "commune", "12145", "Millau", "millau", None, ""),
    ("figeac", "commune", "46102", "Figeac", "figeac", None, ""),
    ("mende", "commune", "48095", "Mende", "mende", None, ""),
    ("digne", "commune", "04070", "Digne-les-Bains", "digne les bains", None, "compound"),
    ("bagneres", "commune", "65059", "Bagnères-de-Bigorre", "bagneres de bigorre", None, "compound"),
    ("bourbon_lancy", "commune", "71047", "Bourbon-Lancy", "bourbon lancy", None, "compound small"),
    ("villeneuve_ascq", "commune", "59009", "Villeneuve-d'Ascq", "villeneuve d'ascq", None, "compound"),
    ("montreuil_93", "commune", "93048", "Montreuil", "montreuil", "dans le 93", "homonym"),
    ("valence_26", "commune", "26362", "Valence", "valence", "dans la Drôme", "homonym"),
    ("valence_82", "commune", "82186", "Valence", "valence", "Tarn-et-Garonne", "homonym"),
    ("rochefort_17", "commune", "17299", "Rochefort", "rochefort", "celle du 17", "homonym"),
    ("beaucaire_32", "commune", "32035", "Beaucaire", "beaucaire", "dans le Gers", "homonym small"),
    ("bellegarde_45", "commune", "45031", "Bellegarde", "bellegarde", "Loiret", "homonym small"),
    ("st_paul_974", "commune", "97415", "Saint-Paul", "st paul", "à La Réunion (974)", "saint homonym"),
    ("la_machine", "commune", "58151", "La Machine", "la machine", None, "article small"),
    ("la_chapelle_mesmin", "commune", "45075", "La Chapelle-Saint-Mesmin", "la chapelle st mesmin", None, "article saint compound"),
    ("le_temple", "commune", "44203", "Le Temple-de-Bretagne", "le temple de bretagne", None, "article compound small"),
    ("st_germain_cogles", "commune", "35273", "Saint-Germain-en-Coglès", "st germain en cogles", None, "saint compound small"),
    ("chauny", "commune", "02173", "Chauny", "chauny", None, ""),
    ("simiane", "commune", "13107", "Simiane-Collongue", "simiane collongue", None, "compound"),
    ("beaumont_sarthe", "commune", "72029", "Beaumont-sur-Sarthe", "beaumont sur sarthe", None, "compound small"),
    # EPCI
    ("cc_val_amboise", "epci", "200043065", "la communauté de communes du Val d'Amboise", "cc du val d'amboise", None, "epci CC"),
    ("cc_maine_saosnois", "epci", "200072676", "la communauté de communes Maine Saosnois", "cc maine saosnois", None, "epci CC"),
    ("cc_sundgau", "epci", "200066041", "la communauté de communes Sundgau", "cc sundgau", None, "epci CC 68"),
    ("cc_billom", "epci", "200067627", "Billom Communauté", "billom communaute", None, "epci CC"),
    ("cc_dombes", "epci", "200069193", "la communauté de communes de la Dombes", "cc de la dombes", None, "epci CC 01"),
    ("cc_iroise", "epci", "242900074", "la communauté de communes du Pays d'Iroise", "cc du pays d'iroise", None, "epci CC"),
    ("cc_loches", "epci", "200071587", "la communauté de communes Loches Sud Touraine", "cc loches sud touraine", None, "epci CC"),
    ("ca_quimper", "epci", "200068120", "Quimper Bretagne Occidentale", "quimper bretagne occidentale", None, "epci CA"),
    ("ca_landerneau", "epci", "242900801", "la communauté d'agglomération du Pays de Landerneau-Daoulas", "ca du pays de landerneau-daoulas", None, "epci CA compound"),
    ("ca_la_rochelle", "epci", "241700434", "l'agglomération de La Rochelle", "ca de la rochelle", None, "epci CA article"),
    ("ca_lannion", "epci", "200065928", "Lannion-Trégor Communauté", "lannion tregor communaute", None, "epci CA"),
    ("ca_mulhouse", "epci", "200066009", "Mulhouse Alsace Agglomération", "m2a mulhouse alsace agglomeration", None, "epci CA 68 over cap"),
    ("cu_le_mans", "epci", "247200132", "Le Mans Métropole", "le mans metropole", None, "epci CU article"),
    ("brest_metro", "epci", "242900314", "Brest Métropole", "brest metropole", None, "epci METRO"),
    ("lyon_metro", "epci", "200046977", "la Métropole de Lyon", "metropole de lyon", None, "epci MET69"),
    ("clermont_metro", "epci", "246300701", "Clermont Auvergne Métropole", "clermont auvergne metropole", None, "epci METRO"),
    ("tours_metro", "epci", "243700754", "Tours Métropole Val de Loire", "tours metropole", None, "epci METRO"),
    # départements, régions, COM
    ("dep_63", "departement", "63", "le Conseil départemental du Puy-de-Dôme", "departement du puy de dome", None, "departement 63"),
    ("dep_72", "departement", "72", "le Département de la Sarthe", "cd72", None, "departement"),
    ("dep_29", "departement", "29", "le conseil départemental du Finistère", "departement finistere", None, "departement"),
    ("dep_01", "departement", "01", "le Département de l'Ain", "departement de l'ain", None, "departement 01"),
    ("dep_68", "departement", "68", "le Conseil départemental du Haut-Rhin", "departement du haut rhin", None, "departement 68"),
    ("reg_53", "region", "53", "la Région Bretagne", "region bretagne", None, "region"),
    ("reg_52", "region", "52", "la Région Pays de la Loire", "region pays de la loire", None, "region"),
    ("com_975", "com", "975", "la collectivité territoriale de Saint-Pierre-et-Miquelon", "saint pierre et miquelon", None, "com"),
]

# Declared applicants (not in the referential): (key, type, formal name, department code, dept answer)
DECLARED = [
    ("asso_mamers", "association", "l'association Mamers Numérique Solidaire", "72", "on est dans la Sarthe"),
    ("asso_quimper", "association", "l'association Ti Numérik, à Quimper", "29", "Finistère"),
    ("asso_bourg", "association", "l'association Bresse Connectée", "01", "dans l'Ain, à Bourg-en-Bresse"),
    ("asso_riom", "association", "l'association Les Amis du Numérique de Riom", "63", "Puy-de-Dôme"),
    ("asso_tours", "association", "le Centre social Tours Nord (association)", "37", "Indre-et-Loire"),
    ("spl_sarthe", "personne_morale", "la SPL Sarthe Numérique", "72", "Sarthe (72)"),
    ("gip_bzh", "personne_morale", "le GIP Bretagne Services Numériques", "35", "Ille-et-Vilaine"),
    ("synd_sarthe", "syndicat", "le syndicat mixte du Pays du Mans", "72", "Sarthe"),
    ("synd_68", "syndicat", "le syndicat intercommunal à vocation multiple de la Thur", "68", "Haut-Rhin"),
    ("synd_29", "syndicat", "le SIVU des rives de l'Aulne", "29", "dans le Finistère"),
    ("entreprise", "entreprise", "la société Breizh Web SARL", "29", "Finistère"),
    ("entreprise2", "entreprise", "notre agence web, une SAS", "72", "Sarthe"),
    ("particulier", "particulier", "moi-même, simple habitant", "72", "Sarthe"),
    ("lab", "laboratoire_innovation", "le laboratoire d'innovation territoriale La Fabrique 35", "35", "Ille-et-Vilaine"),
]

TYPE_ANSWERS = {
    "association": ["C'est une association loi 1901.", "une asso", "association", "Nous sommes une association."],
    "personne_morale": ["Une société publique locale, détenue par des collectivités.", "un GIP",
                        "personne morale (SPL)"],
    "syndicat": ["Un syndicat mixte de collectivités.", "syndicat intercommunal", "un sivu"],
    "entreprise": ["une entreprise", "Nous sommes une société privée (SARL).", "une SAS"],
    "particulier": ["je suis un particulier", "Un simple particulier, pas une structure."],
    "laboratoire_innovation": ["Un laboratoire d'innovation territoriale.", "labo d'innovation territoriale"],
}

# ------------------------------------------------------------------ project descriptions
# (sub-axis or 'nondigital' / 'equipment', text) by register
PROJECTS = {
    "3a": {
        "formal": [
            "être accompagnés par un cabinet spécialisé pour réaliser un diagnostic de notre maturité numérique et définir une feuille de route",
            "faire appel à un consultant pour élaborer notre schéma directeur du numérique",
            "faire réaliser par un prestataire expert une étude de cadrage avant de dématérialiser nos services",
            "bénéficier d'un accompagnement à la conduite du changement par un expert lors du déploiement de notre nouveau logiciel de gestion",
            "commander un audit de notre système d'information, avec des préconisations pour le moderniser",
            "confier à un bureau d'études un état des lieux de nos outils numériques et un plan d'action",
            "être aidés par un expert du numérique pour définir notre stratégie de transformation numérique",
            "recruter une assistance à maîtrise d'ouvrage pour nous aider à choisir une solution existante de gestion du courrier",
        ],
        "sms": [
            "un consultant pour faire un diagnostic numerique de la mairie",
            "un expert pour nous aider a definir notre strategie numerique",
            "une etude avec un cabinet pour savoir comment on dematerialise nos demarches",
            "un audit informatique par un presta specialise",
            "se faire accompagner par un expert pour faire notre feuille de route numerique",
        ],
        "typos": [
            "un acompagnement par un expert pour fair un diagnostique numérique",
            "fair une étude avec un consultent pour notre stratégi numérique",
            "un audite de nos outil informatique par un cabinet spécialisé",
            "se faire acompagné par un consultant pour définir notre shéma directeur numérique",
        ],
    },
    "3b": {
        "formal": [
            "former nos agents aux outils numériques et à la dématérialisation des procédures",
            "organiser un parcours de formation au numérique pour les agents, avec une certification Pix",
            "former une première promotion d'agents aux compétences numériques de base",
            "sensibiliser et former l'ensemble du personnel à la cybersécurité",
            "organiser des ateliers pour faire monter en compétences numériques nos secrétaires de mairie",
            "mettre en place un plan de formation des agents au travail collaboratif et aux outils en ligne",
            "développer les compétences numériques des agents d'accueil grâce à des sessions de formation",
        ],
        "sms": [
            "former les agents a l informatique",
            "des formations numeriques pour nos agents",
            "des cours d info pour le personnel de la mairie",
            "faire passer la certif pix a nos agents",
            "former nos secretaires aux outils numeriques",
        ],
        "typos": [
            "formé nos agen o logiciel et au numérique",
            "formé le personel a l'informatique et a internet",
            "une formation des agens au numérik",
            "des formasions pour que nos agent soit a l'aise avec les outils numérique",
        ],
    },
    "3c": {
        "formal": [
            "que les habitants puissent demander leurs actes d'état civil en ligne",
            "créer un portail citoyen pour que les familles inscrivent leurs enfants à la cantine en ligne",
            "mettre en place un outil de gestion de la relation citoyen multicanal",
            "développer une application mobile pour que les habitants signalent les problèmes de voirie",
            "lancer une plateforme de budget participatif en ligne",
            "refondre le site internet de la commune pour proposer des démarches en ligne accessibles à tous",
            "installer un chatbot sur le site de la mairie pour répondre aux questions des habitants",
            "permettre la prise de rendez-vous en ligne pour les cartes d'identité et les passeports",
        ],
        "sms": [
            "une appli pour les habitants pour signaler les pb dans la commune",
            "mettre les demarches de la mairie en ligne",
            "un site internet pour la commune avec les demandes en ligne",
            "un portail famille pour la cantine et le periscolaire",
            "la prise de rdv en ligne pour les cartes d identite",
        ],
        "typos": [
            "un sit internet pour que les gens fasse leur démarche en ligne",
            "une aplication pour les habitant de la comune",
            "metre en ligne les inscripsion a la cantine pour les parent",
            "un portaille citoyen pour les démarche en ligne",
        ],
    },
    "nondigital": {
        "formal": ["refaire la toiture de l'église et rénover le parvis",
                   "rénover la salle des fêtes et agrandir le parking"],
        "sms": ["refaire le terrain de foot et les vestiaires"],
        "typos": ["rénové la toiture de l'école et les fenaitres"],
    },
    "equipment": {
        "formal": ["acheter des ordinateurs portables neufs pour les agents de la mairie"],
        "sms": ["acheter des pc portables pour les agents du secretariat"],
        "typos": ["acheté des ordinateur neuf pour les agent du secrétariat"],
    },
}

# ------------------------------------------------------------------ answers by style
STYLES = ("letter", "sms", "typos", "one_word", "sentences", "mixed")
REGISTER = {"letter": "formal", "sentences": "formal", "one_word": "formal", "sms": "sms", "typos": "typos"}

SPONSOR = {
    True: {
        "letter": ["Oui, Monsieur le Maire porte personnellement ce projet, qui a fait l'objet d'une délibération du conseil municipal.",
                   "Tout à fait : le projet est porté par l'exécutif, le président s'y est engagé.",
                   "Oui, le projet est soutenu par la direction générale et par les élus."],
        "sentences": ["oui c'est le maire qui porte le projet", "Oui, le conseil a délibéré en faveur du projet.",
                      "c'est le maire qui porte", "Oui, le président de l'intercommunalité s'est engagé dessus.",
                      "Oui, notre directrice générale et l'adjoint au numérique le pilotent."],
        "sms": ["oui c le maire", "oui le maire est a fond dessus", "ouais le president porte le projet", "oui oui"],
        "typos": ["oui c'est le mair qui porte le projé", "oui le consail a voté", "oui la présidente le soutien"],
        "one_word": ["oui", "Oui", "oui.", "yes"],
    },
    False: {
        "letter": ["Non, à ce stade il s'agit d'une initiative des services ; les élus n'ont pas encore été saisis et ne le portent pas."],
        "sentences": ["Non, pour l'instant c'est une initiative du service informatique, les élus ne sont pas impliqués.",
                      "Non, aucun élu ne porte le projet."],
        "sms": ["non c juste une idee des agents", "non les elus sont pas dans le coup"],
        "typos": ["non, les élu ne sont pas au courrant"],
        "one_word": ["non", "Non"],
    },
    None: {
        "letter": ["Je ne suis pas en mesure de vous répondre : la question doit encore être soumise au maire."],
        "sentences": ["je ne sais pas", "Je ne sais pas, je dois demander au maire.", "pas encore décidé"],
        "sms": ["jsais pas", "je sais pas faut que je demande"],
        "typos": ["je sais pa"],
        "one_word": ["aucune idée", "je ne sais pas"],
    },
}
FUNDED = {
    True: {
        "letter": ["Oui, nos ressources proviennent exclusivement des subventions de la commune et du département."],
        "sentences": ["Oui, on est financés uniquement par les communes et le département.",
                      "Oui, seulement par des collectivités locales."],
        "sms": ["oui que des collectivites", "oui que la mairie et la com com"],
        "typos": ["oui que par les colectivités"],
        "one_word": ["oui"],
    },
    False: {
        "letter": ["Non : outre une subvention municipale, nous vivons des cotisations de nos adhérents et de quelques dons."],
        "sentences": ["Non, on vit des cotisations de nos membres", "Non, nous vendons aussi des prestations à des entreprises.",
                      "Non, nous avons aussi du mécénat privé."],
        "sms": ["non on a des dons et les cotisations", "non on vit des cotis"],
        "typos": ["non on a des cotisation et du mécénat"],
        "one_word": ["non"],
    },
    None: {
        "letter": ["Je l'ignore, il faudrait interroger notre trésorier."],
        "sentences": ["je ne sais pas", "Aucune idée, c'est le trésorier qui gère."],
        "sms": ["jsp"], "typos": ["je sais pas trop"], "one_word": ["aucune idée"],
    },
}
# (answer text, date it means or 'late' / None); dates all with an explicit year
DATES_OK = {
    "letter": [("Les premiers résultats sont attendus pour la fin du mois de juin 2022.", "2022-06-30"),
               ("Nous prévoyons une mise en service en septembre 2022.", "2022-09-30"),
               ("Les résultats seront visibles dès le 15 octobre 2022.", "2022-10-15")],
    "sentences": [("fin juin 2022", "2022-06-30"), ("On pense être prêts en septembre 2022.", "2022-09-30"),
                  ("Les premiers résultats arriveront en novembre 2022.", "2022-11-30"),
                  ("avant l'été 2022", "2022-06-20"), ("d'ici fin mars 2022", "2022-03-31")],
    "sms": [("fin juin 2022", "2022-06-30"), ("sept 2022", "2022-09-30"), ("pour octobre 2022", "2022-10-31"),
            ("en mai 2022", "2022-05-31")],
    "typos": [("en septambre 2022", "2022-09-30"), ("fin juin 2022 normalement", "2022-06-30"),
              ("en octobr 2022", "2022-10-31")],
    "one_word": [("juin 2022", "2022-06-30"), ("30/09/2022", "2022-09-30"), ("2022-11-15", "2022-11-15"),
                 ("décembre 2022", "2022-12-31")],
}
DATES_LATE = {
    "letter": [("Les premiers résultats ne sont pas attendus avant le printemps 2023.", "late")],
    "sentences": [("en mars 2023", "late"), ("Pas avant 2024, c'est un gros chantier.", "late")],
    "sms": [("pas avant mi 2023", "late"), ("en 2024", "late")],
    "typos": [("en janvié 2023", "late")],
    "one_word": [("mars 2023", "late"), ("2024", "late")],
}
DATES_UNKNOWN = {
    "letter": [("Le calendrier n'est pas encore arrêté, je ne peux pas vous donner de date.", None)],
    "sentences": [("je ne sais pas", None), ("Pas encore défini, ça dépendra du prestataire.", None)],
    "sms": [("jsp encore", None)], "typos": [("je sais pa encor", None)], "one_word": [("aucune idée", None)],
}
# (answer text, euros)
BUDGETS = {
    "letter": [("Le coût total du projet est estimé à 15 000 € TTC.", 15000),
               ("Nous avons prévu une enveloppe de 24 500 euros.", 24500),
               ("Le budget prévisionnel s'élève à 8 000 €.", 8000)],
    "sentences": [("un budget de 15 000 €", 15000), ("On a prévu environ 12 000 euros.", 12000),
                  ("Ça devrait coûter 30 000 €.", 30000), ("à peu près 9 500 €", 9500),
                  ("quinze mille euros", 15000)],
    "sms": [("15000e", 15000), ("12k€", 12000), ("dans les 7000 euros", 7000), ("40 000 balles", 40000),
            ("18 000", 18000)],
    "typos": [("15 000 euro", 15000), ("environ 20 000 euros", 20000), ("un budjet de 6 000 €", 6000)],
    "one_word": [("15000", 15000), ("12 000 €", 12000), ("25000€", 25000), ("9 000", 9000)],
}
BUDGET_UNKNOWN = {
    "letter": [("Le chiffrage n'est pas encore réalisé.", None)], "sentences": [("je ne sais pas", None)],
    "sms": [("jsp pas encore chiffre", None)], "typos": [("je sais pa", None)], "one_word": [("aucune idée", None)],
}

# ------------------------------------------------------------------ procedure questions asked mid-form
MID = [
    ("À qui écrire pour une formation de nos agents ?", "faq_contacts"),
    ("Une fois retenus, on signe quoi avec l'État ?", "faq_contracting"),
    ("C'est ouvert depuis quand ?", "faq_opening"),
    ("au fait c'est financé à combien de pourcent ?", "faq_rate"),
    ("Avant de continuer : qui décide de l'attribution, et quand ?", "faq_committee"),
    ("attendez, on dépose le dossier où ?", "faq_how"),
    ("Est-ce que les ordinateurs des agents peuvent être pris en charge ?", "faq_excluded"),
    ("Les projets doivent donner des résultats avant quelle date ?", "faq_deadline"),
    ("Question : le forfait pour une petite commune c'est combien ?", "faq_amounts"),
    ("qui a le droit de candidater au juste ?", "faq_who"),
    ("Vous financez quel genre de projets exactement ?", "faq_what"),
    ("Sur quels critères vous choisissez les projets de formation des agents ?", "faq_criteria_3b"),
    ("Et pour un projet d'appli citoyenne, quels sont les critères de sélection du 3c ?", "faq_criteria_3c"),
    ("Les critères de sélection du volet 3a, ce sont lesquels ?", "faq_criteria_3a"),
    ("De façon générale, quels sont les critères de sélection ?", "faq_criteria_general"),
]


# ------------------------------------------------------------------ the rules, as read by hand
def flat_rate(kind: str, epci_type: str | None, pop: int | None) -> int | None:
    """amounts.yml flat_rate_3a grid (no département of the settings overrides it)."""
    if kind == "commune":
        return 5000 if pop is not None and pop < 5000 else 10000
    if kind in ("region", "departement", "com"):
        return 20000
    if kind == "epci":
        return 20000 if epci_type in ("CC", "CA", "CU", "METRO", "MET69") else None
    return None          # syndicat, personne_morale, association, laboratoire: set by the préfecture


def outcome(st: dict) -> tuple[dict, str]:
    """Expected {eligibility, sub_axis, amount_eur} and a one-line reading, from the rules text."""
    kind, dep, pop = st["kind"], st.get("dep"), st.get("pop")
    why: list[str] = []
    no, unsure = [], []
    if kind in ("entreprise", "etat", "particulier"):
        no.append(f"{kind} non éligible (rules.yml applicant_types)")
    lab = kind == "laboratoire_innovation"
    if lab:
        unsure.append("laboratoire d'innovation : à confirmer (rules.yml)")
    if kind in ("association", "personne_morale"):
        if st.get("funded") is False:
            no.append("financée autrement que par des collectivités")
        elif st.get("funded") is None:
            unsure.append("financement inconnu")
    if kind not in ("entreprise", "etat", "particulier"):
        if dep == "01" and kind not in ("commune", "epci"):
            unsure.append("Ain : seuls communes et EPCI cités")
        if dep == "63" and kind not in ("commune", "epci", "departement", "region"):
            unsure.append("Puy-de-Dôme : type non cité")
        if dep == "68":
            if kind == "syndicat":
                no.append("Haut-Rhin : syndicats exclus")
            elif kind not in ("commune", "epci"):
                unsure.append("Haut-Rhin : type non cité")
            elif pop is not None and pop >= 100000:
                no.append(f"Haut-Rhin : population {pop} >= 100 000")
    project = st.get("project")
    if not lab:
        if project is None:
            unsure.append("description inconnue")
        elif project in ("nondigital", "equipment"):
            no.append("pas un projet numérique" if project == "nondigital" else "achat d'équipements pour les agents seul")
        if st.get("sponsor") is False:
            no.append("pas de portage décisionnel")
        elif st.get("sponsor") is None:
            unsure.append("portage inconnu")
        res = st.get("results")
        if res == "late":
            no.append("résultats après fin 2022")
        elif res is None:
            unsure.append("date des résultats inconnue")
    if no:
        return {"eligibility": "not_eligible", "sub_axis": None, "amount_eur": None}, "; ".join(no)
    sub = project if project in ("3a", "3b", "3c") else None
    amount = None
    budget = st.get("budget") if st.get("budget_known") else None
    if sub == "3a":
        amount = flat_rate(kind, st.get("epci_type"), pop)
        why.append(f"3a forfait {amount}")
        if amount is not None and budget is not None and budget < amount:
            amount = budget
            why.append(f"limité au coût {budget}")
    elif sub in ("3b", "3c"):
        amount = budget
        why.append(f"{sub} jusqu'au coût : {budget}")
    elig = "to_confirm" if unsure else "eligible"
    return {"eligibility": elig, "sub_axis": sub, "amount_eur": amount}, "; ".join(unsure + why)


def fitting(texts: list[str], kind: str) -> list[str]:
    """The answers that fit the applicant: the mayor and the municipal council only for a commune,
    the president / the intercommunality never for a commune."""
    mayor = ("maire", "municipal", "mair ")
    president = ("président", "presiden", "intercommunalité")
    if kind == "commune":
        ok = [t for t in texts if not any(w in t.lower() for w in president)]
    elif kind in ("epci", "departement", "region", "com"):
        ok = [t for t in texts if not any(w in t.lower() for w in mayor)]
    else:  # a declared structure (association, syndicat...): no mayor, no intercommunality
        ok = [t for t in texts if not any(w in t.lower() for w in mayor + ("intercommunalité",))]
    return ok or texts


def chef(c: dict) -> dict:
    """Who carries a project and where it sits, in the applicant's own words."""
    if c["kind"] == "commune":
        return {"chef": "le maire", "hq": "la mairie"}
    return {"chef": "le président", "hq": "notre siège"}


# ------------------------------------------------------------------ composing
class Builder:
    def __init__(self):
        from assistant.eligibility.referential import Referential
        self.ref = Referential.open()
        self.rnd = random.Random(SEED)
        self.colls = {}
        for key, kind, code, formal, sms, homonym, tags in COLLS:
            c = self.ref.get(kind, code)
            assert c is not None, (key, code)
            self.colls[key] = {"key": key, "kind": kind, "code": code, "formal": formal, "sms": sms,
                               "homonym": homonym, "tags": tags, "pop": c.population, "epci_type": c.epci_type,
                               "dep": c.department if kind != "region" else None, "name": c.name}
        self.declared = {k: {"key": k, "kind": t, "formal": n, "sms": n.lower(), "dep": d, "dep_answer": a,
                             "pop": None, "epci_type": None, "homonym": None, "tags": "declared"}
                         for k, t, n, d, a in DECLARED}
        self.out: list[dict] = []
        self.counter = {}

    def pick(self, seq):
        return self.rnd.choice(seq)

    def reg(self, style):
        if style == "mixed":
            return self.pick(["formal", "sms", "typos"])
        return REGISTER[style]

    def ans_style(self, style):
        return self.pick(["letter", "sms", "typos", "one_word", "sentences"]) if style == "mixed" else style

    def project_text(self, sub, style):
        return self.pick(PROJECTS[sub][self.reg(style)])

    def coll_name(self, c, style):
        r = self.reg(style)
        return c["sms"] if r in ("sms", "typos") else c["formal"]

    # first messages ------------------------------------------------------------
    def first_message(self, style, c, project_txt, budget_txt=None, role=None):
        who = self.coll_name(c, style)
        contract = self.rnd.random() < 0.5
        b = f" {budget_txt}" if budget_txt else ""
        kind = c["kind"]
        if kind == "commune":
            intro_formal = self.pick([f"secrétaire de mairie de la commune de {who}", f"maire de {who}",
                                      f"adjointe au numérique de la ville de {who}", f"DGS de la mairie de {who}"])
            intro_sms = self.pick([f"mairie de {who}", f"secretaire de mairie a {who}", f"c la mairie de {who}"])
        elif kind in ("association", "personne_morale", "syndicat", "entreprise", "particulier", "laboratoire_innovation"):
            intro_formal = self.pick([f"chargé de mission pour {who}", f"responsable administrative de {who}"])
            intro_sms = f"c pour {who}"
        else:
            intro_formal = self.pick([f"chargée de mission numérique pour {who}", f"représentant de {who}",
                                      f"directeur des systèmes d'information de {who}"])
            intro_sms = f"c pour {who}"
        if contract:  # "maire du Havre", "mairie des Herbiers": as people write article-led names
            for old, new in (("de Le ", "du "), ("de Les ", "des "), ("de le ", "du "), ("de les ", "des "),
                             ("a Le ", "au "), ("à Le ", "au "), ("a le ", "au "), ("a les ", "aux ")):
                intro_formal, intro_sms = intro_formal.replace(old, new), intro_sms.replace(old, new)
        intro_formal = ELISION.sub("d'", intro_formal)        # "maire d'Azay-le-Rideau"
        if contract:
            intro_sms = ELISION.sub("d'", intro_sms)
        if style == "letter":
            return (f"Madame, Monsieur,\n\n{intro_formal[0].upper() + intro_formal[1:]}, je me permets de vous "
                    f"solliciter au sujet du guichet FITN7 axe 3. Nous souhaiterions {project_txt}.{b}\n\n"
                    "Je vous remercie par avance de votre réponse.\nVeuillez agréer mes salutations distinguées.")
        r = self.reg(style)
        if r == "sms":
            return self.pick([f"slt {intro_sms}, on voudrait {project_txt}{b} c possible ?",
                              f"bjr {intro_sms} on aimerait {project_txt}{b}", f"{intro_sms} : {project_txt}{b}"])
        if r == "typos":
            return self.pick([f"bonjour je sui {intro_sms.replace('c la ', '')}, on voudré {project_txt}{b}",
                              f"bonjour, {intro_sms} ici, on aimerai {project_txt}{b}"])
        return self.pick([f"Bonjour, je suis {intro_formal}. Nous aimerions {project_txt}.{b}",
                          f"Bonjour, {intro_formal} ici : nous voudrions {project_txt}.{b}",
                          f"Bonjour. Je suis {intro_formal} et nous avons un projet : {project_txt}.{b}"])

    # facts ---------------------------------------------------------------------
    def answers(self, style, c, project, sponsor, results, budget, funded=None, project_txt=None):
        s = self.ans_style
        facts = {}
        facts["collectivity"] = c["formal"] if c["kind"] not in ("commune",) else self.pick(
            [c["formal"], f"la commune de {c['formal']}", c["sms"]] if style in ("sms", "typos", "mixed") else
            [c["formal"], f"la commune de {c['formal']}"])
        if c.get("homonym"):
            facts["department"] = c["homonym"]
        if c["tags"] == "declared":
            facts["department"] = c["dep_answer"]
            facts["applicant_type"] = self.pick(TYPE_ANSWERS[c["kind"]])
            if c["kind"] in ("association", "personne_morale"):
                facts["funded_only_by_local_authorities"] = self.pick(FUNDED[funded][s(style)])
        facts["description"] = project_txt if project is not None else self.pick(
            ["je ne sais pas", "pas encore défini", "je sais pas trop"])
        facts["decision_level_sponsor"] = self.pick(fitting(SPONSOR[sponsor][s(style)], c["kind"]))
        bank = DATES_OK if results == "ok" else DATES_LATE if results == "late" else DATES_UNKNOWN
        d = self.pick(bank[s(style)])
        facts["results_date"] = d[0]
        if budget == "unknown":
            facts["budget_eur"] = self.pick(BUDGET_UNKNOWN[s(style)])[0]
            bval = None
        else:
            bt, bval = self.pick(BUDGETS[s(style)])
            if project == "3a":  # not asked for 3a: keep it >= any flat rate so the reading holds if asked
                bt, bval = self.pick([("Le coût total est estimé à 25 000 €.", 25000), ("30 000 €", 30000),
                                      ("environ 22 000 euros", 22000)])
            facts["budget_eur"] = bt
        return facts, bval

    def state(self, c, project, sponsor, results, bval, budget_known, funded=None):
        return {"kind": c["kind"], "code": c.get("code"), "dep": c["dep"], "pop": c["pop"], "epci_type": c["epci_type"],
                "project": project, "sponsor": sponsor, "results": results,
                "budget": bval, "budget_known": budget_known, "funded": funded}

    def add(self, cls, style, first, facts, st, mid=None, after=None, note=None):
        n = self.counter.get(cls, 0) + 1
        self.counter[cls] = n
        exp, why = outcome(st)
        exp["collectivity_code"] = st.get("code")   # the referential entry meant (None: a declared structure)
        sc = {"id": f"{cls}-{n:03d}", "class": cls, "style": style, "first": first, "facts": facts}
        if mid:
            sc["mid"] = mid
        if after:
            sc["after"] = after
        sc["expected"] = exp
        sc["reading"] = (note + " — " if note else "") + why
        self.out.append(sc)
        return sc

    def scenario(self, cls, style, c, project, sponsor=True, results="ok", budget="known", funded=True,
                 budget_in_first=False, first=None, mid=None, note=None, project_txt=None):
        ptxt = project_txt or (self.project_text(project, style) if project else None)
        facts, bval = self.answers(style, c, project, sponsor, results, budget, funded, ptxt)
        budget_txt = None
        if budget_in_first and bval is not None:
            budget_txt = self.pick([f"Budget : {bval:,} €".replace(",", " ") + ".",
                                    f"le budget est de {bval:,} €".replace(",", " ")])
        if first is None:
            if project is None:
                first = self.first_message(style, c, "savoir si nous pouvons candidater à ce guichet")
            else:
                first = self.first_message(style, c, ptxt, budget_txt)
        asked_budget = project in ("3b", "3c")
        st = self.state(c, project, sponsor, results, bval, asked_budget or budget_in_first, funded)
        if c["kind"] in ("association", "personne_morale"):
            st["funded"] = funded
        return self.add(cls, style, first, facts, st, mid=mid, note=note), st


def main():
    b = Builder()
    C, D = b.colls, b.declared
    communes = [c for c in C.values() if c["kind"] == "commune"]
    plain_pool = [c for c in communes if "homonym" not in c["tags"]]
    epcis = [c for c in C.values() if c["kind"] == "epci"]
    others = [c for c in C.values() if c["kind"] in ("departement", "region", "com")]
    subs = ["3a", "3b", "3c"]

    def cycle(seq):
        while True:
            for x in seq:
                yield x

    # ---------------------------------------------------------------- plain (24)
    pool = iter(b.rnd.sample(plain_pool, len(plain_pool)))
    for i in range(24):
        style = STYLES[i % 6]
        c = next(pool)
        sponsor, results = True, "ok"
        if i in (5, 17):
            sponsor = False
        if i in (11, 22):
            results = "late"
        b.scenario("plain", style, c, subs[i % 3], sponsor=sponsor, results=results)

    # not eligible from positive evidence: a non-digital project, agents' equipment only, a private person
    for style, key, proj in (("sentences", "nantua", "nondigital"), ("sms", "bourbon_lancy", "nondigital"),
                             ("letter", "chauny", "equipment"), ("typos", "beaumont_sarthe", "equipment")):
        b.scenario("plain", style, C[key], proj)
    b.scenario("plain", "one_word", D["particulier"], "3c", note="particulier",
               first="Bonjour, je suis un simple habitant et je voudrais une aide pour créer un site où les gens de mon "
                     "village pourraient faire leurs démarches en ligne.")
    b.scenario("plain", "mixed", D["entreprise2"], "3c", note="entreprise")

    # ---------------------------------------------------------------- names (36)
    name_list = ["plougastel", "le_mans", "la_rochelle", "lhay", "st_denis_93", "st_denis_974", "ste_marie_35",
                 "ste_marie_972", "le_havre", "sables", "la_fleche", "ferte_bernard", "isle_adam", "puy",
                 "la_teste", "st_pol", "st_martin_re", "la_chapelle_mesmin", "le_temple", "st_germain_cogles",
                 "montreuil_93", "valence_26", "valence_82", "rochefort_17", "beaucaire_32", "st_paul_974",
                 "cc_val_amboise", "ca_landerneau", "ca_la_rochelle", "cu_le_mans", "lyon_metro", "ca_mulhouse",
                 "dep_63", "dep_01", "reg_53", "com_975"]
    for i, key in enumerate(name_list):
        style = STYLES[i % 6]
        b.scenario("names", style, C[key], subs[(i + 1) % 3], note=f"{C[key]['name']} ({C[key]['code']})")

    # ---------------------------------------------------------------- numbers (24)
    numbers_first = [
        # (style, coll, sub, first-message template with {c}, budget value stated or None)
        ("sentences", "vitre", "3c", "Bonjour, mairie de {c}. Nous voulons mettre nos démarches en ligne, avec un budget de 15 000 €.", 15000),
        ("sms", "paimpol", "3b", "slt mairie de {c} on veut former 8 agents au numerique, budget 6500e", 6500),
        ("letter", "thiers", "3c", "Madame, Monsieur, la ville de {c} souhaite créer un portail citoyen. Le coût estimé est de vingt-quatre mille euros. Cordialement.", 24000),
        ("typos", "combourg", "3b", "bonjour mairie de {c}, on voudré une premiere promotion d'agen formé au numérique pour 9 000 euro", 9000),
        ("one_word", "mamers", "3a", "Bonjour, commune de {c} : une étude de diagnostic numérique par un consultant, budget 3 000 €.", 3000),
        ("mixed", "bonnetable", "3a", "mairie de {c}, un audit numerique par un cabinet pour 4500 €", 4500),
        ("sentences", "le_blanc", "3c", "Bonjour, je suis le maire de {c}. Nous voulons une application pour les habitants, elle coûterait 32 500 euros.", 32500),
        ("sms", "royan", "3c", "mairie de {c} un site internet avec demarches en ligne budget 12k", 12000),
        ("letter", "dep_72", "3b", "Madame, Monsieur, {c} souhaite former 1 200 agents aux compétences numériques, pour un coût de 85 000 € TTC. Salutations.", 85000),
        ("typos", "locronan", "3a", "bonjour mairie de {c}, on voudré un acompagnement par un expert pour notre stratégie numérique, sa coûte 2 500 €", 2500),
    ]
    for style, key, sub, tmpl, bval in numbers_first:
        c = C[key]
        first = tmpl.format(c=b.coll_name(c, style))
        facts, _ = b.answers(style, c, sub, True, "ok", "known", True,
                             b.project_text(sub, style))
        facts["description"] = first
        facts["budget_eur"] = f"{bval:,} €".replace(",", " ")
        st = b.state(c, sub, True, "ok", bval, True)
        b.add("numbers", style, first, facts, st, note="budget dans le premier message")
    # budgets and dates as numbers in answers
    number_answers = [
        ("sentences", "un budget de 15 000 €", 15000, "fin juin 2022"),
        ("sentences", "quinze mille euros", 15000, "le 30 septembre 2022"),
        ("sms", "12k€", 12000, "30/06/22"),
        ("sms", "7 500 e", 7500, "fin 2022"),
        ("letter", "Le montant total s'élève à 45 000 € TTC.", 45000, "Nous visons le 1er décembre 2022."),
        ("letter", "Le coût est estimé à dix-huit mille euros.", 18000, "Les résultats sont attendus au premier trimestre 2022."),
        ("typos", "dans les 20 000 euro", 20000, "en novembre 2022"),
        ("typos", "onze mille euro", 11000, "fin mai 2022"),
        ("one_word", "8000", 8000, "09/2022"),
        ("one_word", "27 300 €", 27300, "2022"),
        ("mixed", "environ 3 200 €", 3200, "le 15/07/2022"),
        ("mixed", "un total de 60 000 euros", 60000, "octobre 2022"),
        ("one_word", "1 500 €", 1500, "mars 2023"),
        ("sentences", "Environ 14 000 €.", 14000, "En avril 2023 seulement."),
    ]
    pool = iter(b.rnd.sample([c for c in plain_pool if c["dep"] != "68"], 14))
    for i, (style, btxt, bval, dtxt) in enumerate(number_answers):
        c = next(pool)
        sub = "3b" if i % 2 else "3c"
        late = "2023" in dtxt
        first = b.first_message(style, c, b.project_text(sub, style))
        facts, _ = b.answers(style, c, sub, True, "late" if late else "ok", "known", True, None)
        facts["description"] = b.project_text(sub, style)
        facts["budget_eur"], facts["results_date"] = btxt, dtxt
        st = b.state(c, sub, True, "late" if late else "ok", bval, True)
        b.add("numbers", style, first, facts, st, note=f"« {btxt} » = {bval} €, « {dtxt} »")

    # ---------------------------------------------------------------- sentence_answers (24)
    sent_cases = [
        # (coll or declared key, sub, sponsor, results, funded)
        ("asso_mamers", "3c", True, "ok", False), ("asso_quimper", "3b", True, "ok", True),
        ("asso_tours", "3c", True, "ok", True), ("asso_riom", "3b", True, "ok", False),
        ("spl_sarthe", "3c", True, "ok", True), ("gip_bzh", "3b", True, "ok", True),
        ("synd_sarthe", "3c", True, "ok", True), ("synd_29", "3b", True, "ok", True),
        ("synd_68", "3c", True, "ok", True), ("asso_bourg", "3b", True, "ok", True),
    ]
    for i, (key, sub, sp, res, fu) in enumerate(sent_cases):
        style = ["sentences", "letter", "sms", "typos", "one_word", "mixed"][i % 6]
        b.scenario("sentence_answers", style, D[key], sub, sponsor=sp, results=res, funded=fu,
                   note=D[key]["kind"])
    pool = iter(b.rnd.sample(plain_pool + epcis, 14))
    for i in range(14):
        style = ["sentences", "letter", "sms", "typos", "one_word", "mixed", "sentences"][i % 7]
        c = next(pool)
        sp = False if i in (3, 9) else True
        b.scenario("sentence_answers", style, c, subs[i % 3], sponsor=sp)

    # ---------------------------------------------------------------- dont_know (24)
    pool = iter(b.rnd.sample(plain_pool + epcis + others, 24))
    for i in range(24):
        style = STYLES[i % 6]
        c = next(pool)
        what = ["sponsor", "results", "budget", "description", "sponsor", "results"][i % 6]
        sub = subs[i % 3] if what != "budget" else ("3b" if i % 2 else "3c")
        kw = {}
        if what == "sponsor":
            kw["sponsor"] = None
        elif what == "results":
            kw["results"] = None
        elif what == "budget":
            kw["budget"] = "unknown"
        if what == "description":
            b.scenario("dont_know", style, c, None)
        else:
            b.scenario("dont_know", style, c, sub, note=f"{what} inconnu", **kw)
    # unknown funding of an association
    b.scenario("dont_know", "sentences", D["asso_tours"], "3c", funded=None, note="financement inconnu")
    b.scenario("dont_know", "sms", D["spl_sarthe"], "3b", funded=None, note="financement inconnu")

    # ---------------------------------------------------------------- procedure_mid_form (24)
    pool = iter(b.rnd.sample(plain_pool + epcis, 24))
    mids = cycle(MID)
    for i in range(24):
        style = STYLES[i % 6]
        c = next(pool)
        q, faq = next(mids)
        mid = {"before": 1 + i % 3, "text": q, "faq": faq}
        b.scenario("procedure_mid_form", style, c, subs[i % 3], mid=mid, note=f"question {faq} avant la réponse {mid['before']}")

    # ---------------------------------------------------------------- first_message (24)
    firsts = [
        ("sentences", "plougastel", "3b", "secrétaire de mairie à Plougastel-Daoulas, on voudrait former nos agents au numérique"),
        ("sentences", "le_mans", "3c", "Bonjour, ici la ville du Mans : on voudrait que les habitants demandent leurs actes en ligne"),
        ("typos", "bonnetable", "3b", "bonjour mairie de Bonnétable, on voudré formé nos agen o logiciel"),
        ("sms", "mamers", "3c", "on voudrait que les habitants demandent leurs actes en ligne, c pour mamers"),
        ("letter", "chinon", "3a", "Madame, Monsieur,\nLa ville de Chinon envisage de confier à un cabinet de conseil l'élaboration de son schéma directeur numérique, en lien avec l'intercommunalité. Le maire porte ce dossier. Pourriez-vous nous indiquer si ce projet est éligible au guichet FITN7 ?\nBien cordialement,\nLa directrice générale des services"),
        ("mixed", "altkirch", "3c", "Altkirch - appli citoyenne pour signaler les nids de poule et suivre les demandes"),
        ("one_word", "volvic", "3b", "Volvic : formation des agents au numérique"),
        ("sentences", "cc_maine_saosnois", "3a", "Nous sommes la communauté de communes Maine Saosnois et nous cherchons un expert pour nous accompagner dans la conduite du changement liée à la dématérialisation."),
        ("sms", "dinan", "3c", "dinan mairie, on aimerait un tchat sur le site pour repondre aux habitants"),
        ("typos", "azay", "3c", "bonjour, on voudrai que les parent inscrive leur enfant a la cantine sur internet, mairie d'azay le rideau"),
        ("letter", "reg_52", "3b", "Madame, Monsieur, la Région Pays de la Loire souhaite déployer un programme de montée en compétences numériques de ses agents des lycées. Dans l'attente de votre retour, je vous prie d'agréer mes salutations."),
        ("sentences", "st_calais", "3a", "La mairie de Saint-Calais voudrait se faire aider par un spécialiste pour choisir et paramétrer un logiciel existant de gestion des salles."),
        ("mixed", "pont_aven", "3c", "PONT-AVEN : PRISE DE RENDEZ-VOUS EN LIGNE POUR LA MAIRIE"),
        ("one_word", "fresnay", "3c", "Fresnay-sur-Sarthe, démarches en ligne"),
        ("sms", "sable", "3b", "sable sur sarthe besoin de former les agents a teams et aux outils collaboratifs"),
        ("typos", "ploermel", "3a", "Ploërmel. on a besoin d'un diagnostique de nos systeme informatique par un expert extérieur"),
        ("letter", "colmar", "3c", "Monsieur le Préfet, la Ville de Colmar projette la création d'un guichet numérique unique permettant aux usagers d'effectuer l'ensemble de leurs démarches en ligne. Nous vous remercions de bien vouloir nous indiquer si ce projet peut être soutenu."),
        ("sentences", "la_machine", "3b", "Je suis la secrétaire de mairie de La Machine, je voudrais que mes deux collègues et moi soyons formées à l'informatique."),
        ("sentences", "brest_metro", "3c", "Brest Métropole souhaite ouvrir une plateforme de participation citoyenne en ligne pour son prochain budget participatif."),
        ("mixed", "ca_quimper", "3b", "Quimper Bretagne Occidentale — plan de formation au numérique de 300 agents"),
        ("one_word", "st_flour", "3a", "Saint-Flour. Étude stratégie numérique avec un cabinet."),
        ("letter", "ca_mulhouse", "3c", "Madame, Monsieur, Mulhouse Alsace Agglomération souhaite développer une application de covoiturage et d'information voyageurs pour ses habitants. Nous restons à votre disposition. Cordialement."),
        ("typos", "entreprise", "3c", "bonjour, je suis gérant de Breizh Web SARL, une entreprise, on voudrais faire un site internet pour des mairies et avoir l'aide"),
        ("sentences", "lab", None, "Bonjour, je coordonne le laboratoire d'innovation territoriale La Fabrique 35 et nous voulons savoir si on peut candidater pour un projet de services en ligne."),
    ]
    for style, key, sub, first in firsts:
        c = C.get(key) or D[key]
        if key == "lab":
            facts, bval = b.answers(style, c, "3c", True, "ok", "known", True, "des services en ligne pour les habitants")
            st = b.state(c, "3c", True, "ok", bval, True)
        else:
            facts, bval = b.answers(style, c, sub, True, "ok", "known", True, first)
            st = b.state(c, sub, True, "ok", bval, sub in ("3b", "3c"))
        b.add("first_message", style, first, facts, st)

    # ---------------------------------------------------------------- second_project (22)
    seconds = [
        ("3a", "3c", "Et une appli pour les habitants, ça passerait aussi ?"),
        ("3c", "3b", "Autre idée : former nos agents à ce nouveau portail et au numérique en général, c'est possible aussi ?"),
        ("3b", "3c", "et un site internet pour que les gens fassent leurs demarches en ligne ?"),
        ("3c", "3a", "Nous aurions un second projet : faire réaliser un diagnostic numérique par un consultant."),
        ("3a", "3b", "Et pour former les agents aux outils numériques, ça rentre ?"),
        ("3b", "3c", "Deuxième projet : une plateforme de budget participatif en ligne."),
        ("3c", "nondigital", "Et pour refaire la toiture de {hq}, on peut avoir l'aide ?"),
        ("3a", "3c", "et un chatbot sur notre site ca marche aussi ?"),
        ("3b", "3a", "Autre chose : une étude de cadrage par un cabinet pour notre schéma directeur."),
        ("3c", "3b", "Et des ateliers de formation au numérique pour les secrétaires de mairie ?"),
        ("3a", "3c", "On a aussi un projet de prise de rendez-vous en ligne, il serait éligible ?"),
    ]
    pool = iter(b.rnd.sample(plain_pool + epcis, 22))
    for i in range(22):
        style = STYLES[i % 6]
        c = next(pool)
        s1, s2, text = seconds[i % len(seconds)]
        sc, st = b.scenario("second_project", style, c, s1)
        bt, bval = b.pick(BUDGETS[b.ans_style(style) if style != "mixed" else "sentences"])
        item_facts = {"decision_level_sponsor": b.pick(fitting(SPONSOR[True]["sentences"], c["kind"])),
                      "results_date": b.pick(DATES_OK["sentences"])[0], "budget_eur": bt}
        st2 = dict(st, project=s2, budget=bval, budget_known=s2 in ("3b", "3c"))
        exp2, why2 = outcome(st2)
        exp2["collectivity_code"] = st2.get("code")
        sc["after"] = [{"kind": "second_project", "text": text.format(**chef(c)), "facts": item_facts, "expected": exp2,
                        "reading": why2}]

    # ---------------------------------------------------------------- what_if (22)
    pool = iter(b.rnd.sample([c for c in plain_pool if c["pop"] and c["pop"] < 5000 and c["dep"] != "68"], 8))
    for i in range(6):
        style = STYLES[i % 6]
        c = next(pool)
        sc, st = b.scenario("what_if", style, c, "3a", note=f"commune de {c['pop']} habitants")
        text = ["Et si on dépassait les 5 000 habitants ?", "et si on avait plus de 5000 habitants ?",
                "Et si la commune comptait 6 000 habitants ?", "et si on passait au dessus de 5 000 hab",
                "Et avec 5 200 habitants ?", "Et si nous étions une commune de plus de 5 000 habitants ?"][i]
        st2 = dict(st, pop=6000)
        exp2, why2 = outcome(st2)
        exp2["collectivity_code"] = st2.get("code")
        sc["after"] = [{"kind": "what_if", "text": text.format(**chef(c)), "expected": exp2, "reading": why2}]
    pool = iter(b.rnd.sample([c for c in plain_pool + epcis if c["dep"] != "68"], 16))
    what_ifs = [
        ("et avec 30 000 € de budget ?", {"budget": 30000}),
        ("Et si le budget montait à 40 000 € ?", {"budget": 40000}),
        ("et si on mettait 8 000 euros seulement ?", {"budget": 8000}),
        ("Et si les résultats n'arrivaient qu'en mars 2023 ?", {"results": "late"}),
        ("et si on finissait seulement en 2023 ?", {"results": "late"}),
        ("Et si le projet coûtait vingt mille euros ?", {"budget": 20000}),
        ("Et si {chef} ne portait finalement pas le projet ?", {"sponsor": False}),
        ("et avec un budget de 12 500 € ?", {"budget": 12500}),
    ]
    for i in range(16):
        style = STYLES[i % 6]
        c = next(pool)
        text, change = what_ifs[i % len(what_ifs)]
        sub = "3c" if i % 2 else "3b"
        sc, st = b.scenario("what_if", style, c, sub)
        st2 = dict(st, **change)
        exp2, why2 = outcome(st2)
        exp2["collectivity_code"] = st2.get("code")
        sc["after"] = [{"kind": "what_if", "text": text.format(**chef(c)), "expected": exp2, "reading": why2}]

    # ---------------------------------------------------------------- correction (22)
    corrections = [
        ("en fait le budget est de 12 000 €", {"budget": 12000}),
        ("Pardon, je me suis trompée : le coût total est de 18 500 €.", {"budget": 18500}),
        ("correction : c 9000 euros pas plus", {"budget": 9000}),
        ("Finalement les résultats arriveront plutôt en mars 2023.", {"results": "late"}),
        ("ah non en fait on aura les resultats en mai 2023", {"results": "late"}),
        ("en fait le projet coute 35 000 €", {"budget": 35000}),
        ("Je rectifie : le budget est de vingt-cinq mille euros.", {"budget": 25000}),
        ("erreur de ma part, c 5 500 € le budget", {"budget": 5500}),
    ]
    pool = iter(b.rnd.sample([c for c in plain_pool + epcis if c["dep"] != "68"], 22))
    for i in range(16):
        style = STYLES[i % 6]
        c = next(pool)
        text, change = corrections[i % len(corrections)]
        sub = "3b" if i % 2 else "3c"
        sc, st = b.scenario("correction", style, c, sub)
        st2 = dict(st, **change)
        exp2, why2 = outcome(st2)
        exp2["collectivity_code"] = st2.get("code")
        sc["after"] = [{"kind": "correction", "text": text.format(**chef(c)), "expected": exp2, "reading": why2}]
    # corrections that lift a "not eligible" or "to confirm"
    lifts = [
        ("Je reprends : {chef} porte bien le projet, il l'a confirmé ce matin.", {"sponsor": True}, {"sponsor": False}),
        ("en fait si, {chef} porte le projet", {"sponsor": True}, {"sponsor": False}),
        ("Rectification : les résultats seront là en octobre 2022, pas en 2023.", {"results": "ok"}, {"results": "late"}),
        ("je me suis trompé, c'est fin juin 2022 les résultats", {"results": "ok"}, {"results": "late"}),
        ("J'ai eu la réponse : oui, {chef} porte le projet.", {"sponsor": True}, {"sponsor": None}),
        ("c bon {chef} a dit oui il porte le projet", {"sponsor": True}, {"sponsor": None}),
    ]
    for i, (text, change, start) in enumerate(lifts):
        style = STYLES[i % 6]
        c = next(pool)
        sub = subs[i % 3]
        kw = {}
        if "sponsor" in start:
            kw["sponsor"] = start["sponsor"]
        if "results" in start:
            kw["results"] = start["results"]
        sc, st = b.scenario("correction", style, c, sub, **kw)
        st2 = dict(st, **change)
        exp2, why2 = outcome(st2)
        exp2["collectivity_code"] = st2.get("code")
        sc["after"] = [{"kind": "correction", "text": text.format(**chef(c)), "expected": exp2, "reading": why2}]

    # ---------------------------------------------------------------- output
    header = Path(__file__).read_text(encoding="utf-8").split('"""')[1].strip()
    doc = {"scenarios": b.out}
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120)
    comment = "\n".join("# " + line if line else "#" for line in (
        "HELD-OUT conversation set of issue 11 — generated by tests/conversations/build_scenarios.py (fixed seed).\n"
        + header + "\n\nFields: see tests/conversations/README.md. `reading` says how the expected outcome was read "
        "from the rules.").splitlines())
    OUT.write_text(comment + "\n" + text, encoding="utf-8")
    from collections import Counter
    print(len(b.out), "scenarios")
    print(Counter(s["class"] for s in b.out))
    print(Counter(s["style"] for s in b.out))
    print(Counter(s["expected"]["eligibility"] for s in b.out))
    print(Counter((s["class"], s["style"]) for s in b.out))


if __name__ == "__main__":
    main()
