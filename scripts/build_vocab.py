#!/usr/bin/env python3
"""Generate disproof's country and language normalisation tables.

Writes ``src/disproof/data/vocab/countries.json`` and ``languages.json``.  pycountry is
needed only here, at development time; the generated tables are committed and the
runtime (``disproof.normalize``) reads them without pycountry.

    .venv/bin/python scripts/build_vocab.py [--data-dir ../shared/data/euvsdisinfo]

After writing, the script checks the tables (every code and canonical name maps back to
itself, no alias is claimed by two entries) and, if the EUvsDisinfo reference files are
available, prints every country or language name occurring in them that does not
normalise to a known code or region.  It exits non-zero if there are unexpected unknowns.
"""

from __future__ import annotations

import argparse
import csv
import gettext
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pycountry

ROOT = Path(__file__).resolve().parents[1]
VOCAB_DIR = ROOT / "src" / "disproof" / "data" / "vocab"
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "data" / "euvsdisinfo"

sys.path.insert(0, str(ROOT / "src"))
from disproof import normalize  # noqa: E402

key = normalize._lookup_key  # the exact key the runtime matches on

# Locales whose names for domain countries and languages are added as aliases, on top
# of each country's / language's own language (endonym).
TRANSLATION_LOCALES = ("ru", "uk", "de", "fr")
# pycountry locale directory names that differ from the language code.
LOCALE_DIRS = {"no": "nb_NO", "nb": "nb_NO", "zh": "zh_CN"}

# --------------------------------------------------------------------------- countries

# fmt: off
# Display names: the short names analysts know from the EUvsDisinfo database, or the
# ordinary English short name where pycountry only has an inverted/official form.
COUNTRY_DISPLAY = {
    "BN": "Brunei", "BO": "Bolivia", "CD": "DR Congo", "CG": "Congo",
    "CZ": "Czech Republic", "FK": "Falkland Islands", "FM": "Micronesia",
    "GB": "UK", "IR": "Iran", "KG": "Kyrgyzstan", "KP": "North Korea", "KR": "South Korea",
    "LA": "Laos", "MD": "Moldova", "MM": "Myanmar/Burma", "NL": "The Netherlands",
    "PS": "Palestine", "RU": "Russia", "SY": "Syria", "TR": "Turkey", "TW": "Taiwan",
    "TZ": "Tanzania", "US": "US", "VA": "Vatican", "VE": "Venezuela", "VN": "Vietnam",
    "VG": "British Virgin Islands", "VI": "US Virgin Islands", "MF": "Saint Martin",
    "SX": "Sint Maarten", "SH": "Saint Helena", "BQ": "Caribbean Netherlands",
    "HM": "Heard and McDonald Islands", "UM": "US Minor Outlying Islands",
    "MO": "Macao", "HK": "Hong Kong", "CI": "Côte d'Ivoire",
}

# Countries missing from ISO 3166-1 but used by everyone (user-assigned code).
EXTRA_COUNTRIES = {
    "XK": ("Kosovo", ["XKX", "Republic of Kosovo", "Kosova", "Kosovë", "Kosova dhe Metohija",
                      "Косово", "Kosovo i Metohija", "Kosovo und Metochien"]),
}

# Aliases pycountry does not provide: common English variants, former names, and native,
# Russian, Ukrainian, German and French names that the locale files miss.
COUNTRY_ALIASES: dict[str, list[str]] = {
    "AE": ["UAE", "U.A.E.", "Emirates", "ОАЭ"],
    "AM": ["Hayastan", "Армения", "Вірменія"],
    "AZ": ["Azerbaidjan", "Azerbaijan Republic", "Азербайджан"],
    "BA": ["Bosnia", "Bosnia-Herzegovina", "Bosnia & Herzegovina", "BiH", "Босния",
           "Босния и Герцеговина", "Bosna i Hercegovina"],
    "BY": ["Byelorussia", "Belorussia", "White Russia", "Белоруссия", "Беларусь", "Білорусь",
           "Weißrussland", "Weissrussland", "Biélorussie", "Bielorussia"],
    "CD": ["DRC", "DR Congo", "D.R. Congo", "Democratic Republic of the Congo",
           "Democratic Republic of Congo", "Congo-Kinshasa", "Zaire"],
    "CG": ["Republic of the Congo", "Congo-Brazzaville", "Congo Republic"],
    "CH": ["Swiss Confederation", "Schweiz", "Suisse", "Svizzera", "Швейцария"],
    "CI": ["Ivory Coast", "Cote d'Ivoire"],
    "CN": ["PRC", "People's Republic of China", "Mainland China", "Китай", "КНР"],
    "CV": ["Cape Verde"],
    "CZ": ["Czech Republic", "Czech", "Česko", "Česká republika", "Чехия", "Чехія",
           "Tschechien", "Tschechische Republik", "Tchéquie", "République tchèque"],
    "DE": ["Deutschland", "Federal Republic of Germany", "FRG", "BRD", "West Germany",
           "Германия", "ФРГ", "Німеччина", "Allemagne"],
    "EE": ["Eesti", "Эстония", "Естонія", "Estland", "Estonie"],
    "FI": ["Suomi", "Финляндия", "Фінляндія", "Finnland", "Finlande"],
    "FM": ["Micronesia"],
    "GB": ["UK", "U.K.", "Great Britain", "Britain", "United Kingdom",
           "United Kingdom of Great Britain and Northern Ireland", "England", "Scotland",
           "Wales", "Northern Ireland", "Великобритания", "Британия", "Англия",
           "Соединённое Королевство", "Велика Британія", "Британія", "Англія",
           "Großbritannien", "Vereinigtes Königreich", "Royaume-Uni",
           "Grande-Bretagne", "Angleterre"],
    "GE": ["Sakartvelo", "Грузия", "Грузія", "Georgien", "Géorgie", "Republic of Georgia"],
    "GR": ["Hellas", "Hellenic Republic", "Ελλάδα", "Греция", "Греція", "Griechenland",
           "Grèce"],
    "HU": ["Magyarország", "Венгрия", "Угорщина", "Ungarn", "Hongrie"],
    "IR": ["Persia", "Islamic Republic of Iran", "Иран", "Іран"],
    "IL": ["Израиль", "Ізраїль"],
    "IT": ["Italia", "Италия", "Італія", "Italien", "Italie"],
    "KG": ["Kirgizstan", "Kirghizstan", "Kyrgyz Republic", "Kirghizia", "Kirgizia",
           "Kirgisistan", "Кыргызстан", "Киргизия", "Киргизстан", "Киргизстан"],
    "KP": ["North Korea", "DPRK", "D.P.R.K.", "Democratic People's Republic of Korea",
           "КНДР", "Северная Корея", "Північна Корея", "Nordkorea", "Corée du Nord"],
    "KR": ["South Korea", "Republic of Korea", "ROK", "Южная Корея", "Південна Корея",
           "Südkorea", "Corée du Sud"],
    "KZ": ["Qazaqstan", "Қазақстан", "Казахстан"],
    "LA": ["Laos"],
    "LT": ["Lietuva", "Литва", "Litauen", "Lituanie"],
    "LV": ["Latvija", "Латвия", "Латвія", "Lettland", "Lettonie"],
    "MD": ["Republic of Moldova", "Moldavia", "Молдова", "Молдавия", "Молдова",
           "Moldawien", "Moldau", "Moldavie", "Republica Moldova"],
    "ME": ["Crna Gora", "Црна Гора", "Черногория", "Чорногорія", "Monténégro"],
    "MK": ["Macedonia", "FYROM", "F.Y.R.O.M.", "Former Yugoslav Republic of Macedonia",
           "The former Yugoslav Republic of Macedonia", "Republic of Macedonia",
           "Северна Македонија", "Македонија", "Македония", "Северная Македония",
           "Північна Македонія", "Nordmazedonien", "Mazedonien", "Macédoine du Nord"],
    "MM": ["Burma", "Myanmar/Burma", "Myanmar (Burma)"],
    "NL": ["Netherlands", "Holland", "Nederland", "Нидерланды", "Голландия", "Нідерланди",
           "Голландія", "Niederlande", "Pays-Bas"],
    "NO": ["Norge", "Noreg", "Норвегия", "Норвегія", "Norwegen", "Norvège"],
    "PL": ["Polska", "Польша", "Польща", "Polen", "Pologne"],
    "PS": ["Palestine", "State of Palestine", "Palestinian Territories",
           "Palestinian Territory", "Occupied Palestinian Territories", "Gaza",
           "Gaza Strip", "West Bank", "Палестина"],
    "RO": ["România", "Румыния", "Румунія", "Rumänien", "Roumanie"],
    "RS": ["Srbija", "Србија", "Сербия", "Сербія", "Serbien", "Serbie",
           "Republic of Serbia"],
    "RU": ["Russia", "Russian Federation", "Rossiya", "Rossija", "Россия", "РФ",
           "Российская Федерация", "Росія", "Російська Федерація", "Russland", "Russie"],
    "SA": ["KSA", "Saudi", "Саудовская Аравия"],
    "SE": ["Sverige", "Швеция", "Швеція", "Schweden", "Suède"],
    "SK": ["Slovensko", "Словакия", "Словаччина", "Slowakei", "Slovaquie",
           "Slovak Republic"],
    "SY": ["Syria", "Сирия", "Сирія", "Syrien", "Syrie"],
    "SZ": ["Swaziland"],
    "TL": ["East Timor"],
    "TR": ["Turkey", "Türkiye", "Turkiye", "Republic of Turkey", "Турция", "Туреччина",
           "Türkei", "Turquie"],
    "TW": ["Taiwan", "Republic of China", "Chinese Taipei", "Тайвань"],
    "UA": ["Україна", "Украина", "Ukrajina", "Ukraina", "Ukraine", "the Ukraine"],
    "US": ["USA", "U.S.", "U.S.A.", "United States", "United States of America", "America",
           "The States", "США", "Америка", "Соединённые Штаты", "Сполучені Штати",
           "Vereinigte Staaten", "Amerika", "États-Unis", "Etats-Unis"],
    "VA": ["Vatican", "Vatican City", "Vatican City State", "Holy See", "the Vatican",
           "Ватикан", "Vatikan", "Vatikanstadt"],
    "VE": ["Venezuela", "Венесуэла"],
    "VN": ["Vietnam", "Viet Nam"],
}

# Alpha-3 codes of domain countries are aliases ("USA", "RUS", "UKR"), except those that
# are ordinary English words and would turn stray text into a country.
ALPHA3_WORDS = {"AND", "ARE", "ARM", "BRA", "CAN", "CUB", "FIN", "MAR", "NOR", "PER", "VAT"}

# Entities that are not ISO 3166-1 countries keep a canonical name.  "kind" is one of
# organisation, region, territory (part of a country under international law, given in
# "country") and historical (a state that no longer exists).
REGIONS: dict[str, dict[str, Any]] = {
    "EU": {"kind": "organisation", "aliases": [
        "European Union", "EU", "E.U.", "ЕС", "Евросоюз", "Европейский союз", "ЄС",
        "Євросоюз", "Європейський Союз", "Europäische Union", "UE", "Union européenne"]},
    "NATO": {"kind": "organisation", "aliases": [
        "North Atlantic Treaty Organization", "North Atlantic Treaty Organisation",
        "North Atlantic Alliance", "НАТО", "OTAN", "Nordatlantikpakt"]},
    "CIS": {"kind": "organisation", "aliases": [
        "Commonwealth of Independent States", "СНГ", "СНД", "GUS"]},
    "Eastern Partnership": {"kind": "organisation", "aliases": [
        "EaP", "Восточное партнёрство", "Східне партнерство", "Östliche Partnerschaft",
        "Partenariat oriental"]},
    "Visegrad Group": {"kind": "organisation", "aliases": [
        "Visegrad Four", "Visegrád Group", "Visegrad", "V4", "Вышеградская группа",
        "Вишеградська група", "Visegrád-Gruppe", "Groupe de Visegrád"]},
    "The West": {"kind": "region", "aliases": [
        "West", "Western countries", "Western world", "Western states", "Запад",
        "Захід", "Der Westen", "Westen", "Occident", "L'Occident"]},
    "Europe": {"kind": "region", "aliases": ["Европа", "Європа", "Europa"]},
    "Baltic states": {"kind": "region", "aliases": [
        "Baltics", "Baltic countries", "Baltic", "Baltic region", "Прибалтика",
        "Страны Балтии", "Балтия", "Балтія", "Країни Балтії", "Baltikum",
        "Baltische Staaten", "Pays baltes", "États baltes"]},
    "Balkans": {"kind": "region", "aliases": [
        "Balkan", "Balkan Peninsula", "Балканы", "Балкани", "Balkan", "Les Balkans"]},
    "Western Balkans": {"kind": "region", "aliases": [
        "Западные Балканы", "Західні Балкани", "Westbalkan", "Westlicher Balkan",
        "Balkans occidentaux"]},
    "Central Asia": {"kind": "region", "aliases": [
        "Средняя Азия", "Центральная Азия", "Центральна Азія", "Середня Азія",
        "Zentralasien", "Asie centrale"]},
    "CEE": {"kind": "region", "aliases": [
        "Central and Eastern Europe", "Central Eastern Europe", "Central & Eastern Europe",
        "Центральная и Восточная Европа", "Mittel- und Osteuropa", "MOE"]},
    "SEE": {"kind": "region", "aliases": [
        "South-Eastern Europe", "South Eastern Europe", "Southeast Europe",
        "Southeastern Europe", "South-East Europe", "Юго-Восточная Европа", "Südosteuropa"]},
    "Central Europe": {"kind": "region", "aliases": [
        "Центральная Европа", "Центральна Європа", "Mitteleuropa", "Europe centrale"]},
    "Eastern Europe": {"kind": "region", "aliases": [
        "Восточная Европа", "Східна Європа", "Osteuropa", "Europe de l'Est"]},
    "Africa": {"kind": "region", "aliases": ["Африка", "Afrika", "Afrique"]},
    "Middle East": {"kind": "region", "aliases": [
        "Near East", "Middle-East", "Ближний Восток", "Близький Схід", "Naher Osten",
        "Nahost", "Moyen-Orient", "Proche-Orient"]},
    "Middle East and Africa": {"kind": "region", "aliases": [
        "Middle East & Africa", "MEA", "MENA", "Middle East and North Africa"]},
    "Latin America": {"kind": "region", "aliases": [
        "LatAm", "South America", "Латинская Америка", "Латинська Америка",
        "Lateinamerika", "Amérique latine"]},
    "Scandinavia": {"kind": "region", "aliases": [
        "Nordic countries", "Nordics", "Скандинавия", "Скандинавія", "Skandinavien",
        "Scandinavie"]},
    "Caucasus": {"kind": "region", "aliases": [
        "Caucasia", "Kavkaz", "Кавказ", "Kaukasus", "Caucase"]},
    "South Caucasus": {"kind": "region", "aliases": [
        "Transcaucasia", "Южный Кавказ", "Закавказье", "Південний Кавказ", "Südkaukasus"]},
    "North Caucasus": {"kind": "region", "aliases": [
        "Северный Кавказ", "Північний Кавказ", "Nordkaukasus"]},
    "Arctic": {"kind": "region", "aliases": ["Арктика", "Arktis", "Arctique"]},
    "Worldwide": {"kind": "region", "aliases": [
        "World", "Global", "Whole world", "International", "All countries", "Весь мир",
        "Весь світ", "Weltweit", "Monde"]},
    "Kurdistan": {"kind": "region", "aliases": ["Kurdish regions", "Курдистан"]},
    "Crimea": {"kind": "territory", "country": "UA", "aliases": [
        "Crimean Peninsula", "Autonomous Republic of Crimea", "Republic of Crimea",
        "Krym", "Krim", "Крым", "Крим", "Crimée"]},
    "Donbas": {"kind": "territory", "country": "UA", "aliases": [
        "Donbass", "Donbas region", "Donbass region", "Донбасс", "Донбас", "Donbass-Region"]},
    "Transcarpathia": {"kind": "territory", "country": "UA", "aliases": [
        "Zakarpattia", "Zakarpattia Oblast", "Carpathian Ruthenia", "Закарпатье",
        "Закарпаття", "Transkarpatien"]},
    "Transnistria": {"kind": "territory", "country": "MD", "aliases": [
        "Transdniestria", "Transdnistria", "Trans-Dniester", "Pridnestrovie",
        "Pridnestrovye", "Приднестровье", "Придністров'я", "Transnistrien", "Transnistrie"]},
    "Abkhazia": {"kind": "territory", "country": "GE", "aliases": [
        "Georgian region of Abkhazia", "Abkhaziya", "Абхазия", "Абхазія", "Abchasien",
        "Abkhazie", "Apsny"]},
    "South Ossetia": {"kind": "territory", "country": "GE", "aliases": [
        "Georgian region of South Ossetia", "Tskhinvali region", "Южная Осетия",
        "Південна Осетія", "Südossetien", "Ossétie du Sud"]},
    "Nagorno-Karabakh": {"kind": "territory", "country": "AZ", "aliases": [
        "Nagorny Karabakh", "Karabakh", "Artsakh", "Нагорный Карабах", "Нагірний Карабах",
        "Bergkarabach", "Haut-Karabakh"]},
    "Chechnya": {"kind": "territory", "country": "RU", "aliases": [
        "Chechen Republic", "Chechnia", "Ichkeria", "Чечня", "Чечня", "Tschetschenien",
        "Tchétchénie"]},
    "Kaliningrad": {"kind": "territory", "country": "RU", "aliases": [
        "Kaliningrad Oblast", "Königsberg", "Калининград", "Калінінград"]},
    "USSR": {"kind": "historical", "aliases": [
        "Soviet Union", "U.S.S.R.", "Union of Soviet Socialist Republics", "СССР",
        "Советский Союз", "СРСР", "Радянський Союз", "UdSSR", "Sowjetunion", "URSS",
        "Union soviétique"]},
    "GDR": {"kind": "historical", "aliases": [
        "East Germany", "German Democratic Republic", "DDR", "ГДР", "НДР",
        "Deutsche Demokratische Republik", "RDA"]},
    "Yugoslavia": {"kind": "historical", "aliases": [
        "SFRY", "Socialist Federal Republic of Yugoslavia", "Югославия", "Югославія",
        "Jugoslavija", "Jugoslawien", "Yougoslavie"]},
    "Czechoslovakia": {"kind": "historical", "aliases": [
        "Československo", "Чехословакия", "Чехословаччина", "Tschechoslowakei",
        "Tchécoslovaquie"]},
    "Austria-Hungary": {"kind": "historical", "aliases": [
        "Austro-Hungary", "Austro-Hungarian Empire", "Austria Hungary", "Австро-Венгрия",
        "Австро-Угорщина", "Österreich-Ungarn", "Autriche-Hongrie"]},
    "Russian Empire": {"kind": "historical", "aliases": [
        "Tsarist Russia", "Российская империя", "Російська імперія", "Russisches Kaiserreich",
        "Empire russe"]},
    "Warsaw Pact": {"kind": "historical", "aliases": [
        "Warsaw Treaty Organization", "Варшавский договор", "Варшавський договір",
        "Warschauer Pakt", "Pacte de Varsovie"]},
}

# Values of the EUvsDisinfo "origin" column that are not places at all but keywords
# typed into the wrong column.  They stay unknown on purpose (mapping "Erdogan" to
# Turkey or "Daesh" to a region would invent information).
NON_PLACES = {"Al-Qaeda", "Daesh", "David Icke", "Erdogan", "Islam"}

# Main language of each country relevant to Europe, the post-Soviet space and the
# Middle East: a country name typed as a language ("Spain") maps to it.
COUNTRY_LANGUAGES = {
    # EU / EEA / UK / Switzerland
    "AT": "de", "BE": "nl", "BG": "bg", "HR": "hr", "CY": "el", "CZ": "cs", "DK": "da",
    "EE": "et", "FI": "fi", "FR": "fr", "DE": "de", "GR": "el", "HU": "hu", "IE": "en",
    "IT": "it", "LV": "lv", "LT": "lt", "LU": "lb", "MT": "mt", "NL": "nl", "PL": "pl",
    "PT": "pt", "RO": "ro", "SK": "sk", "SI": "sl", "ES": "es", "SE": "sv", "IS": "is",
    "NO": "no", "LI": "de", "CH": "de", "GB": "en", "MC": "fr", "SM": "it", "AD": "ca",
    "VA": "it",
    # Western Balkans, Turkey
    "AL": "sq", "BA": "bs", "XK": "sq", "ME": "cnr", "MK": "mk", "RS": "sr", "TR": "tr",
    # post-Soviet space
    "RU": "ru", "UA": "uk", "BY": "ru", "MD": "ro", "GE": "ka", "AM": "hy", "AZ": "az",
    "KZ": "kk", "KG": "ky", "TJ": "tg", "TM": "tk", "UZ": "uz", "MN": "mn",
    # Middle East and North Africa
    "SY": "ar", "IQ": "ar", "IR": "fa", "IL": "he", "JO": "ar", "LB": "ar", "SA": "ar",
    "AE": "ar", "QA": "ar", "KW": "ar", "BH": "ar", "OM": "ar", "YE": "ar", "EG": "ar",
    "LY": "ar", "TN": "ar", "DZ": "ar", "MA": "ar", "SD": "ar", "PS": "ar", "AF": "fa",
    # elsewhere, frequent in the data
    "US": "en", "CA": "en", "AU": "en", "NZ": "en", "CN": "zh", "TW": "zh", "JP": "ja",
    "KR": "ko", "KP": "ko", "IN": "hi", "PK": "ur", "MY": "ms", "TH": "th", "VN": "vi",
    "BR": "pt", "MX": "es", "VE": "es", "CU": "es", "BO": "es", "AR": "es", "CO": "es",
    "CL": "es", "PE": "es", "EC": "es", "NI": "es",
}

# Further native languages whose name for the country is added (besides the main one).
EXTRA_ENDONYM_LOCALES = {
    "BY": ["be"], "BE": ["fr"], "CH": ["fr", "it"], "KZ": ["ru"], "KG": ["ru"],
    "ME": ["sr"], "LU": ["fr", "de"], "FI": ["sv"], "IE": ["ga"], "MT": ["en"],
    "AF": ["ps"], "IL": ["ar"], "CY": ["tr"],
}

# --------------------------------------------------------------------------- languages

LANGUAGE_DISPLAY = {
    "el": "Greek", "ms": "Malay", "ne": "Nepali", "or": "Oriya", "sw": "Swahili",
    "oc": "Occitan", "ia": "Interlingua", "to": "Tongan", "ky": "Kyrgyz", "pa": "Punjabi",
    "ps": "Pashto", "ug": "Uyghur", "ht": "Haitian Creole", "cu": "Church Slavonic",
}

# ISO 639-3 languages without a 639-1 code that matter in this domain.
EXTRA_LANGUAGES = {"cnr": "Montenegrin", "crh": "Crimean Tatar", "rue": "Rusyn"}

LANGUAGE_ALIASES: dict[str, list[str]] = {
    "ab": ["Abkhaz", "Абхазский", "Абхазька", "Аҧсуа"],
    "ar": ["العربية", "عربي", "Арабский", "Арабська", "Arabisch", "Arabe"],
    "az": ["Azeri", "Azərbaycan dili", "Azərbaycanca", "Азербайджанский"],
    "be": ["Belarussian", "Byelorussian", "Belorussian", "Беларуская", "Белорусский",
           "Білоруська", "Weißrussisch", "Belarussisch", "Biélorusse"],
    "bg": ["Български", "Болгарский", "Болгарська", "Bulgarisch", "Bulgare"],
    "bs": ["Bosanski", "Босански", "Боснийский", "Боснійська", "Bosnisch", "Bosniaque"],
    "cs": ["Čeština", "Czech language", "Чешский", "Чеська", "Tschechisch", "Tchèque"],
    "cnr": ["Crnogorski", "Црногорски", "Черногорский", "Чорногорська", "Montenegrinisch",
            "Monténégrin"],
    "crh": ["Qırımtatar tili", "Крымскотатарский", "Кримськотатарська",
            "Krimtatarisch", "Tatar de Crimée"],
    "de": ["Deutsch", "Немецкий", "Німецька", "Allemand"],
    "el": ["Greek", "Modern Greek", "Ελληνικά", "Греческий", "Грецька", "Griechisch",
           "Grec"],
    "en": ["Английский", "Англійська", "Englisch", "Anglais"],
    "es": ["Castilian", "Castellano", "Español", "Spanish; Castilian", "Испанский",
           "Іспанська", "Spanisch", "Espagnol"],
    "et": ["Eesti", "Eesti keel", "Эстонский", "Естонська", "Estnisch", "Estonien"],
    "fa": ["Farsi", "Dari", "فارسی", "Персидский", "Фарсі", "Перська", "Persisch",
           "Persan"],
    "fi": ["Suomi", "Финский", "Фінська", "Finnisch", "Finnois"],
    "fr": ["Français", "Французский", "Французька", "Französisch"],
    "ga": ["Irish Gaelic", "Gaeilge"],
    "gd": ["Gaelic", "Scots Gaelic"],
    "he": ["עברית", "Иврит", "Іврит", "Hebräisch", "Hébreu"],
    "hr": ["Hrvatski", "Хорватский", "Хорватська", "Kroatisch", "Croate"],
    "hu": ["Magyar", "Венгерский", "Угорська", "Ungarisch", "Hongrois"],
    "hy": ["Հայերեն", "Армянский", "Вірменська", "Armenisch", "Arménien"],
    "it": ["Italiano", "Итальянский", "Італійська", "Italienisch", "Italien"],
    "ka": ["ქართული", "Грузинский", "Грузинська", "Georgisch", "Géorgien"],
    "kk": ["Қазақ тілі", "Qazaq", "Казахский", "Казахська", "Kasachisch"],
    "kl": ["Greenlandic"],
    "ku": ["Kurmanji", "Sorani", "Курдский", "Kurdisch"],
    "ky": ["Kyrgyz", "Kirgiz", "Кыргызча", "Киргизский", "Kirgisisch"],
    "lt": ["Lietuvių", "Lietuvių kalba", "Литовский", "Литовська", "Litauisch", "Lituanien"],
    "lv": ["Latviešu", "Latviešu valoda", "Латышский", "Латиська", "Lettisch", "Letton"],
    "mk": ["Македонски", "Македонский", "Македонська", "Mazedonisch", "Macédonien"],
    "nl": ["Flemish", "Vlaams", "Nederlands", "Голландский", "Нидерландский",
           "Нідерландська", "Niederländisch", "Néerlandais", "Flamand"],
    "no": ["Norsk", "Норвежский", "Норвезька", "Norwegisch", "Norvégien"],
    "os": ["Ossetic", "Ossete", "Осетинский", "Осетинська"],
    "pl": ["Polski", "Польский", "Польська", "Polnisch", "Polonais"],
    "pt": ["Português", "Português (Brazil)", "Portuguese (Brazil)", "Brazilian Portuguese",
           "Português do Brasil", "Португальский", "Португальська", "Portugiesisch",
           "Portugais"],
    "ro": ["Moldavian", "Moldovan", "Moldovenească", "Limba română", "Română",
           "Молдавский", "Молдовська", "Румынский", "Румунська", "Rumänisch", "Roumain",
           "mo"],
    "ru": ["Русский", "Русский язык", "Російська", "Russisch", "Russe"],
    "sh": ["Serbo-Croat", "Serbocroatian", "BCS", "BCMS", "Bosnian-Croatian-Serbian",
           "Srpskohrvatski", "Hrvatskosrpski", "Сербохорватский", "Serbokroatisch"],
    "si": ["Sinhalese"],
    "sk": ["Slovenčina", "Словацкий", "Словацька", "Slowakisch", "Slovaque"],
    "sl": ["Slovene", "Slovenščina", "Словенский", "Словенська", "Slowenisch", "Slovène"],
    "sq": ["Shqip", "Албанский", "Албанська", "Albanisch", "Albanais"],
    "sr": ["Srpski", "Српски", "Сербский", "Сербська", "Serbisch", "Serbe"],
    "sv": ["Svenska", "Шведский", "Шведська", "Schwedisch", "Suédois"],
    "tr": ["Türkçe", "Турецкий", "Турецька", "Türkisch", "Turc"],
    "tt": ["Татарский", "Tatarisch"],
    "uk": ["Українська", "Українська мова", "Украинский", "Ukrainisch", "Ukrainien"],
    "zh": ["Mandarin", "中文", "汉语", "Китайский", "Китайська", "Chinesisch", "Chinois"],
}

# fmt: on

# The languages whose names get Russian/Ukrainian/German/French translations and an
# endonym from pycountry's locale files.
DOMAIN_LANGUAGES = sorted(set(COUNTRY_LANGUAGES.values()) | {"ab", "os", "tt", "be", "ku"})


# --------------------------------------------------------------------------- helpers


def clean_alias(value: str) -> str:
    """Stored form of an alias: NFC, whitespace collapsed, lower case."""
    return " ".join(unicodedata.normalize("NFC", value).split()).lower()


def variants(name: str) -> list[str]:
    """A name plus its form without a parenthetical qualifier."""
    out = [name]
    bare = re.sub(r"\s*\([^)]*\)", "", name).strip()
    if bare and bare != name:
        out.append(bare)
    return out


_translations: dict[tuple[str, str], gettext.NullTranslations | None] = {}


def translator(domain: str, locale: str) -> gettext.NullTranslations | None:
    cache_key = (domain, locale)
    if cache_key not in _translations:
        try:
            _translations[cache_key] = gettext.translation(
                domain, pycountry.LOCALES_DIR, languages=[LOCALE_DIRS.get(locale, locale)]
            )
        except OSError:
            _translations[cache_key] = None
    return _translations[cache_key]


def translate(domain: str, locale: str, names: Iterable[str]) -> list[str]:
    t = translator(domain, locale)
    if t is None:
        return []
    out = []
    for name in names:
        translated = t.gettext(name)
        if translated != name:
            out.extend(variants(translated))
    return out


class Table:
    """Entries with prioritised aliases; resolves collisions by priority."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.entries: dict[str, dict[str, Any]] = {}
        # lookup key -> list of (priority, canonical, alias text)
        self.claims: dict[str, list[tuple[int, str, str]]] = {}

    def add(self, canonical: str, name: str, **extra: Any) -> None:
        self.entries[canonical] = {"name": name, **extra}
        self.claim(canonical, canonical, 0)
        self.claim(canonical, name, 0)

    def claim(self, canonical: str, alias: str, priority: int) -> None:
        k = key(alias)
        if not k:
            return
        claims = self.claims.setdefault(k, [])
        if all(c != canonical for _, c, _ in claims):
            claims.append((priority, canonical, clean_alias(alias)))

    def resolve(self) -> dict[str, dict[str, Any]]:
        aliases: dict[str, list[str]] = {c: [] for c in self.entries}
        for k, claims in sorted(self.claims.items()):
            claims.sort(key=lambda claim: claim[0])
            best = claims[0][0]
            winners = [c for p, c, _ in claims if p == best]
            if len(winners) > 1:
                raise SystemExit(f"{self.label}: {k!r} claimed by {winners} at priority {best}")
            if len(claims) > 1:
                losers = [c for _, c, _ in claims[1:]]
                print(f"  {self.label}: {k!r} -> {winners[0]} (not {', '.join(losers)})")
            canonical, text = claims[0][1], claims[0][2]
            entry = self.entries[canonical]
            if k not in {key(canonical), key(entry["name"])}:
                aliases[canonical].append(text)
        for canonical, entry in self.entries.items():
            entry["aliases"] = sorted(set(aliases[canonical]))
        return self.entries


# --------------------------------------------------------------------------- builders


def build_countries() -> dict[str, Any]:
    countries = Table("countries")
    domain = set(COUNTRY_LANGUAGES) | set(COUNTRY_ALIASES)
    for c in pycountry.countries:
        code = c.alpha_2
        official = getattr(c, "official_name", None)
        common = getattr(c, "common_name", None)
        display = COUNTRY_DISPLAY.get(code) or common or c.name
        countries.add(code, display)
        english = [n for n in (c.name, official, common) if n]
        for n in english:
            for v in variants(n):
                countries.claim(code, v, 1)
        if code in domain:
            if c.alpha_3 not in ALPHA3_WORDS:
                countries.claim(code, c.alpha_3, 2)
            locales = [*TRANSLATION_LOCALES, *EXTRA_ENDONYM_LOCALES.get(code, [])]
            if code in COUNTRY_LANGUAGES:
                locales.append(COUNTRY_LANGUAGES[code])
            for locale in locales:
                for alias in translate("iso3166-1", locale, english):
                    countries.claim(code, alias, 3)
    for code, (name, aliases) in EXTRA_COUNTRIES.items():
        countries.add(code, name)
        for alias in aliases:
            countries.claim(code, alias, 1)
    for code, aliases in COUNTRY_ALIASES.items():
        for alias in aliases:
            countries.claim(code, alias, 1)
    for name, spec in REGIONS.items():
        extra = {k: v for k, v in spec.items() if k != "aliases"}
        countries.add(name, name, **extra)
        for alias in spec["aliases"]:
            countries.claim(name, alias, 1)

    entries = countries.resolve()
    region_names = set(REGIONS)
    return {
        "version": 1,
        "countries": {c: e for c, e in sorted(entries.items()) if c not in region_names},
        "regions": {c: e for c, e in entries.items() if c in region_names},
    }


def build_languages() -> dict[str, Any]:
    languages = Table("languages")
    for lang in pycountry.languages:
        code = getattr(lang, "alpha_2", None)
        if code is None:
            continue
        display = LANGUAGE_DISPLAY.get(code) or variants(lang.name)[-1]
        languages.add(code, display)
        english = [
            n
            for n in (
                lang.name,
                getattr(lang, "inverted_name", None),
                getattr(lang, "common_name", None),
            )
            if n
        ]
        for n in english:
            for v in variants(n):
                languages.claim(code, v, 1)
        for c in (lang.alpha_3, getattr(lang, "bibliographic", None)):
            if c:
                languages.claim(code, c, 2)
    for code, name in EXTRA_LANGUAGES.items():
        languages.add(code, name)
    for code, aliases in LANGUAGE_ALIASES.items():
        for alias in aliases:
            languages.claim(code, alias, 1)
    for code in DOMAIN_LANGUAGES:
        lang = pycountry.languages.get(alpha_2=code) or pycountry.languages.get(alpha_3=code)
        if lang is None:
            continue
        for locale in (*TRANSLATION_LOCALES, code):
            for alias in translate("iso639-3", locale, [lang.name]):
                languages.claim(code, alias, 3)
    unknown = set(COUNTRY_LANGUAGES.values()) - set(languages.entries)
    if unknown:
        raise SystemExit(f"COUNTRY_LANGUAGES uses unknown language codes: {sorted(unknown)}")
    missing = (
        set(COUNTRY_LANGUAGES) - {c.alpha_2 for c in pycountry.countries} - set(EXTRA_COUNTRIES)
    )
    if missing:
        raise SystemExit(f"COUNTRY_LANGUAGES uses unknown country codes: {sorted(missing)}")
    return {
        "version": 1,
        "languages": dict(sorted(languages.resolve().items())),
        "country_languages": dict(sorted(COUNTRY_LANGUAGES.items())),
    }


def dump(data: dict[str, Any], path: Path) -> None:
    """Compact, diff-friendly JSON: one entry per line."""
    lines = ["{"]
    sections = list(data.items())
    for i, (section, value) in enumerate(sections):
        comma = "," if i < len(sections) - 1 else ""
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            lines.append(f"{json.dumps(section)}: {{")
            items = list(value.items())
            for j, (k, v) in enumerate(items):
                item_comma = "," if j < len(items) - 1 else ""
                lines.append(
                    f"{json.dumps(k, ensure_ascii=False)}: "
                    f"{json.dumps(v, ensure_ascii=False)}{item_comma}"
                )
            lines.append("}" + comma)
        else:
            lines.append(f"{json.dumps(section)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    json.loads(path.read_text(encoding="utf-8"))  # sanity check


# --------------------------------------------------------------------------- checks


def check_round_trip(countries: dict[str, Any], languages: dict[str, Any]) -> None:
    for section in ("countries", "regions"):
        for canonical, entry in countries[section].items():
            for value in (canonical, entry["name"], *entry["aliases"]):
                got = normalize.normalize_country(value)
                if got != canonical:
                    raise SystemExit(f"country {value!r} -> {got!r}, expected {canonical!r}")
    for code, entry in languages["languages"].items():
        for value in (code, entry["name"], *entry["aliases"]):
            got = normalize.normalize_language(value)
            if got != code:
                raise SystemExit(f"language {value!r} -> {got!r}, expected {code!r}")


def reference_values(data_dir: Path) -> tuple[Counter[str], Counter[str]]:
    """Country and language names occurring in the EUvsDisinfo reference files."""
    country_values: Counter[str] = Counter()
    language_values: Counter[str] = Counter()
    vocab = data_dir / "vocab"
    # Only the keys (names) matter; the values are site ids.
    country_values.update(list(json.loads((vocab / "countryregion_codes.json").read_text("utf-8"))))
    language_values.update(list(json.loads((vocab / "language_codes.json").read_text("utf-8"))))
    with (data_dir / "cases_2015_2017.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            country_values.update(normalize.split_list(row["origin"], ","))
            language_values.update(normalize.split_list(row["language"], ","))
    with (data_dir / "case_index_2015_2019.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            country_values.update(normalize.split_list(row["countries"], "+"))
            language_values.update(normalize.split_list(row["languages"], "+"))
    return country_values, language_values


def check_reference(data_dir: Path) -> int:
    if not data_dir.is_dir():
        print(f"reference data not found at {data_dir}; skipping the unknown-name check")
        return 0
    country_values, language_values = reference_values(data_dir)
    unknown_countries = {
        v: n
        for v, n in country_values.items()
        if not normalize.is_known_country(v) and v not in NON_PLACES
    }
    non_places = {v: n for v, n in country_values.items() if v in NON_PLACES}
    unknown_languages = {
        v: n for v, n in language_values.items() if not normalize.is_known_language(v)
    }
    print(
        f"reference: {len(country_values)} distinct country/region names, "
        f"{len(unknown_countries)} unknown; {len(non_places)} known non-places "
        f"({sum(non_places.values())} occurrences: {', '.join(sorted(non_places))})"
    )
    print(
        f"reference: {len(language_values)} distinct language names, "
        f"{len(unknown_languages)} unknown"
    )
    for label, unknown in (("country", unknown_countries), ("language", unknown_languages)):
        for value, count in sorted(unknown.items()):
            print(f"  unknown {label}: {value!r} ({count}x)")
    return len(unknown_countries) + len(unknown_languages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="EUvsDisinfo reference data (default: %(default)s)",
    )
    args = parser.parse_args()

    VOCAB_DIR.mkdir(parents=True, exist_ok=True)
    for init in (VOCAB_DIR.parent / "__init__.py", VOCAB_DIR / "__init__.py"):
        if not init.exists():
            init.touch()
    print("collisions resolved by priority:")
    countries = build_countries()
    languages = build_languages()
    dump(countries, VOCAB_DIR / "countries.json")
    dump(languages, VOCAB_DIR / "languages.json")
    for name in ("countries.json", "languages.json"):
        print(f"wrote {name}: {(VOCAB_DIR / name).stat().st_size / 1024:.1f} KB")
    print(
        f"{len(countries['countries'])} countries, {len(countries['regions'])} regions, "
        f"{len(languages['languages'])} languages, "
        f"{len(languages['country_languages'])} country languages"
    )

    normalize._countries.cache_clear()
    normalize._languages.cache_clear()
    check_round_trip(countries, languages)
    unknown = check_reference(args.data_dir)
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main())
