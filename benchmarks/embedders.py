"""Embedding benchmark: speed and cross-lingual claim-matching quality of each backend.

    python -m benchmarks.embedders [--threads 2]

Prints Markdown tables (copy them into docs/benchmarks.md with the machine and date):

* speed: load time, sentences/s over 500 short sentences and over 100 paragraphs (batch 32),
  single-sentence latency p50/p95;
* quality: 25 short English claims (politics, war, health), each restated in ru, uk, de, fr, pl
  and cs; each restatement looks up its English claim among all 25. R@1 and MRR per language,
  for USE and for both prefix choices of e5 ("query: " on both sides, "query: " / "passage: ");
* the same among the 25 claims and 25 English near misses (same topic and words, another
  assertion, some with who-did-what reversed): a harder pool;
* calibration: mean cosine of matching pairs (a restatement and its claim), of near misses and of
  unrelated pairs (a restatement and the other 24 claims), with the 5th / 95th percentiles; the
  mean margin of the right claim over the best wrong one (claims and near misses); and AUC, the
  chance that a matching pair outscores a non-matching one (near misses included): how well one
  global threshold can tell "same claim" from "not".

Run it on an idle machine: it reports the CPU other processes used during the speed runs and
warns when that makes the speeds read low.

The claims were written for this benchmark; they are examples of false claims, not facts.
"""

from __future__ import annotations

import os

# before numpy and the engines start their thread pools
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import argparse  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

from disproof.embed import Embedder, EmbedderUnavailable  # noqa: E402

LANGS = ("ru", "uk", "de", "fr", "pl", "cs")

# fmt: off
CLAIMS: list[dict[str, str]] = [
    {"en": "The vaccine against measles causes autism in children.",
     "ru": "Прививка от кори вызывает у детей аутизм.",
     "uk": "Щеплення від кору спричиняє аутизм у дітей.",
     "de": "Die Masernimpfung löst bei Kindern Autismus aus.",
     "fr": "Le vaccin contre la rougeole provoque l'autisme chez les enfants.",
     "pl": "Szczepionka przeciwko odrze wywołuje autyzm u dzieci.",
     "cs": "Očkování proti spalničkám způsobuje u dětí autismus."},
    {"en": "NATO is secretly building military bases in Moldova.",
     "ru": "НАТО тайно строит военные базы в Молдавии.",
     "uk": "НАТО таємно будує військові бази в Молдові.",
     "de": "Die NATO errichtet heimlich Militärstützpunkte in Moldau.",
     "fr": "L'OTAN construit en secret des bases militaires en Moldavie.",
     "pl": "NATO potajemnie buduje bazy wojskowe w Mołdawii.",
     "cs": "NATO tajně staví vojenské základny v Moldavsku."},
    {"en": "Drinking hot water with lemon cures the coronavirus.",
     "ru": "Горячая вода с лимоном излечивает коронавирус.",
     "uk": "Гаряча вода з лимоном виліковує коронавірус.",
     "de": "Heißes Wasser mit Zitrone heilt das Coronavirus.",
     "fr": "Boire de l'eau chaude citronnée guérit le coronavirus.",
     "pl": "Picie gorącej wody z cytryną leczy koronawirusa.",
     "cs": "Pití horké vody s citronem vyléčí koronavirus."},
    {"en": "The election results in Estonia were falsified by foreign hackers.",
     "ru": "Итоги выборов в Эстонии подделали иностранные хакеры.",
     "uk": "Результати виборів в Естонії сфальсифікували іноземні хакери.",
     "de": "Ausländische Hacker haben das Wahlergebnis in Estland gefälscht.",
     "fr": "Des pirates étrangers ont truqué les résultats des élections en Estonie.",
     "pl": "Wyniki wyborów w Estonii zostały sfałszowane przez zagranicznych hakerów.",
     "cs": "Výsledky voleb v Estonsku zfalšovali zahraniční hackeři."},
    {"en": "Western sanctions have hurt Europe far more than Russia.",
     "ru": "Западные санкции ударили по Европе гораздо сильнее, чем по России.",
     "uk": "Західні санкції завдали Європі набагато більше шкоди, ніж Росії.",
     "de": "Die westlichen Sanktionen schaden Europa viel stärker als Russland.",
     "fr": "Les sanctions occidentales pénalisent bien plus l'Europe que la Russie.",
     "pl": "Zachodnie sankcje zaszkodziły Europie znacznie bardziej niż Rosji.",
     "cs": "Západní sankce poškodily Evropu mnohem víc než Rusko."},
    {"en": "American laboratories in Georgia are developing biological weapons.",
     "ru": "Американские лаборатории в Грузии разрабатывают биологическое оружие.",
     "uk": "Американські лабораторії в Грузії розробляють біологічну зброю.",
     "de": "In Georgien entwickeln amerikanische Labore biologische Waffen.",
     "fr": "Des laboratoires américains en Géorgie mettent au point des armes biologiques.",
     "pl": "Amerykańskie laboratoria w Gruzji opracowują broń biologiczną.",
     "cs": "Americké laboratoře v Gruzii vyvíjejí biologické zbraně."},
    {"en": "5G towers spread the virus and weaken the immune system.",
     "ru": "Вышки 5G распространяют вирус и ослабляют иммунитет.",
     "uk": "Вежі 5G поширюють вірус і послаблюють імунітет.",
     "de": "5G-Masten verbreiten das Virus und schwächen das Immunsystem.",
     "fr": "Les antennes 5G propagent le virus et affaiblissent le système immunitaire.",
     "pl": "Maszty 5G roznoszą wirusa i osłabiają odporność.",
     "cs": "Vysílače 5G šíří virus a oslabují imunitu."},
    {"en": "Ukrainian soldiers shelled their own city to blame the enemy.",
     "ru": "Украинские военные обстреляли собственный город, чтобы обвинить противника.",
     "uk": "Українські військові обстріляли власне місто, щоб звинуватити ворога.",
     "de": "Ukrainische Soldaten haben ihre eigene Stadt beschossen, um es dem Feind anzulasten.",
     "fr": "Des soldats ukrainiens ont bombardé leur propre ville pour accuser l'ennemi.",
     "pl": "Ukraińscy żołnierze ostrzelali własne miasto, aby obwinić wroga.",
     "cs": "Ukrajinští vojáci ostřelovali vlastní město, aby z toho obvinili nepřítele."},
    {"en": "The European Union plans to ban cash payments next year.",
     "ru": "Евросоюз собирается в следующем году запретить оплату наличными.",
     "uk": "Євросоюз планує наступного року заборонити розрахунки готівкою.",
     "de": "Die EU will im kommenden Jahr Barzahlungen verbieten.",
     "fr": "L'Union européenne prévoit d'interdire les paiements en espèces l'an prochain.",
     "pl": "Unia Europejska chce w przyszłym roku zakazać płatności gotówką.",
     "cs": "Evropská unie chce příští rok zakázat platby v hotovosti."},
    {"en": "Refugees receive higher pensions than local retirees in Germany.",
     "ru": "В Германии беженцы получают пенсии больше, чем местные пенсионеры.",
     "uk": "У Німеччині біженці отримують вищі пенсії, ніж місцеві пенсіонери.",
     "de": "Flüchtlinge bekommen in Deutschland höhere Renten als einheimische Rentner.",
     "fr": "En Allemagne, les réfugiés touchent des retraites plus élevées que les retraités "
           "locaux.",
     "pl": "W Niemczech uchodźcy dostają wyższe emerytury niż miejscowi emeryci.",
     "cs": "Uprchlíci v Německu dostávají vyšší důchody než místní senioři."},
    {"en": "The passenger plane was shot down by a fighter jet, not a missile from the ground.",
     "ru": "Пассажирский самолёт сбил истребитель, а не ракета с земли.",
     "uk": "Пасажирський літак збив винищувач, а не ракета із землі.",
     "de": "Das Passagierflugzeug wurde von einem Kampfjet abgeschossen, nicht von einer "
           "Bodenrakete.",
     "fr": "L'avion de ligne a été abattu par un avion de chasse et non par un missile tiré "
           "du sol.",
     "pl": "Samolot pasażerski zestrzelił myśliwiec, a nie rakieta wystrzelona z ziemi.",
     "cs": "Dopravní letadlo sestřelila stíhačka, nikoli raketa ze země."},
    {"en": "Face masks reduce oxygen levels and cause brain damage.",
     "ru": "Медицинские маски снижают уровень кислорода и повреждают мозг.",
     "uk": "Маски для обличчя знижують рівень кисню та пошкоджують мозок.",
     "de": "Gesichtsmasken senken den Sauerstoffgehalt im Blut und schädigen das Gehirn.",
     "fr": "Les masques font baisser le taux d'oxygène et abîment le cerveau.",
     "pl": "Maseczki obniżają poziom tlenu i uszkadzają mózg.",
     "cs": "Roušky snižují hladinu kyslíku a poškozují mozek."},
    {"en": "Poland wants to annex the western regions of Ukraine.",
     "ru": "Польша хочет присоединить западные области Украины.",
     "uk": "Польща хоче анексувати західні області України.",
     "de": "Polen will die westlichen Gebiete der Ukraine annektieren.",
     "fr": "La Pologne veut annexer les régions occidentales de l'Ukraine.",
     "pl": "Polska zamierza przyłączyć zachodnie obwody Ukrainy.",
     "cs": "Polsko chce anektovat západní oblasti Ukrajiny."},
    {"en": "The chemical attack in the Syrian town was staged by volunteer rescuers.",
     "ru": "Химическую атаку в сирийском городе инсценировали спасатели-добровольцы.",
     "uk": "Хімічну атаку в сирійському місті інсценували волонтери-рятувальники.",
     "de": "Der Chemiewaffenangriff in der syrischen Stadt wurde von freiwilligen Rettern "
           "inszeniert.",
     "fr": "L'attaque chimique dans la ville syrienne a été mise en scène par des secouristes "
           "bénévoles.",
     "pl": "Atak chemiczny w syryjskim mieście został wyreżyserowany przez ochotniczych "
           "ratowników.",
     "cs": "Chemický útok v syrském městě zinscenovali dobrovolní záchranáři."},
    {"en": "Bill Gates is putting microchips into vaccines to track people.",
     "ru": "Билл Гейтс добавляет в вакцины микрочипы, чтобы следить за людьми.",
     "uk": "Білл Гейтс додає у вакцини мікрочипи, щоб стежити за людьми.",
     "de": "Bill Gates versteckt Mikrochips in Impfstoffen, um Menschen zu überwachen.",
     "fr": "Bill Gates met des micropuces dans les vaccins pour pister la population.",
     "pl": "Bill Gates umieszcza w szczepionkach mikroczipy, żeby śledzić ludzi.",
     "cs": "Bill Gates dává do vakcín mikročipy, aby mohl sledovat lidi."},
    {"en": "The Baltic states are preparing to attack Russia's Kaliningrad region.",
     "ru": "Прибалтийские страны готовятся напасть на Калининградскую область.",
     "uk": "Країни Балтії готуються напасти на Калінінградську область Росії.",
     "de": "Die baltischen Staaten bereiten einen Angriff auf das russische Gebiet "
           "Kaliningrad vor.",
     "fr": "Les pays baltes se préparent à attaquer la région russe de Kaliningrad.",
     "pl": "Państwa bałtyckie szykują się do ataku na obwód kaliningradzki.",
     "cs": "Pobaltské státy se chystají zaútočit na ruskou Kaliningradskou oblast."},
    {"en": "Wind turbines make people living nearby seriously ill.",
     "ru": "Ветряные электростанции вызывают тяжёлые болезни у живущих рядом людей.",
     "uk": "Вітрові турбіни викликають серйозні хвороби в людей, які живуть поруч.",
     "de": "Windräder machen Anwohner in ihrer Nähe schwer krank.",
     "fr": "Les éoliennes rendent gravement malades les personnes qui vivent à proximité.",
     "pl": "Turbiny wiatrowe poważnie szkodzą zdrowiu ludzi mieszkających w pobliżu.",
     "cs": "Větrné elektrárny vážně poškozují zdraví lidí, kteří žijí poblíž."},
    {"en": "The president of Ukraine has fled the country and is hiding abroad.",
     "ru": "Президент Украины сбежал из страны и скрывается за границей.",
     "uk": "Президент України втік з країни й переховується за кордоном.",
     "de": "Der ukrainische Präsident ist aus dem Land geflohen und versteckt sich im Ausland.",
     "fr": "Le président ukrainien a fui le pays et se cache à l'étranger.",
     "pl": "Prezydent Ukrainy uciekł z kraju i ukrywa się za granicą.",
     "cs": "Ukrajinský prezident uprchl ze země a skrývá se v zahraničí."},
    {"en": "Grain exported from Ukrainian ports goes to rich countries, not to poor ones.",
     "ru": "Зерно из украинских портов уходит в богатые страны, а не в бедные.",
     "uk": "Зерно з українських портів вивозять до багатих країн, а не до бідних.",
     "de": "Das Getreide aus ukrainischen Häfen geht an reiche Länder statt an arme.",
     "fr": "Les céréales exportées depuis les ports ukrainiens vont aux pays riches et non "
           "aux pays pauvres.",
     "pl": "Zboże eksportowane z ukraińskich portów trafia do bogatych krajów, a nie do "
           "biednych.",
     "cs": "Obilí vyvážené z ukrajinských přístavů končí v bohatých zemích, ne v chudých."},
    {"en": "Antibiotics are effective against the flu virus.",
     "ru": "Антибиотики эффективно помогают против вируса гриппа.",
     "uk": "Антибіотики ефективні проти вірусу грипу.",
     "de": "Antibiotika wirken gegen das Grippevirus.",
     "fr": "Les antibiotiques sont efficaces contre le virus de la grippe.",
     "pl": "Antybiotyki skutecznie działają na wirusa grypy.",
     "cs": "Antibiotika účinně působí proti viru chřipky."},
    {"en": "Sweden has introduced sharia law in several of its cities.",
     "ru": "В нескольких городах Швеции ввели законы шариата.",
     "uk": "Швеція запровадила закони шаріату в кількох своїх містах.",
     "de": "Schweden hat in mehreren Städten die Scharia eingeführt.",
     "fr": "La Suède a instauré la charia dans plusieurs de ses villes.",
     "pl": "Szwecja wprowadziła prawo szariatu w kilku swoich miastach.",
     "cs": "Švédsko zavedlo v několika městech právo šaría."},
    {"en": "Foreign mercenaries make up most of the Ukrainian army.",
     "ru": "Большую часть украинской армии составляют иностранные наёмники.",
     "uk": "Більшість української армії складають іноземні найманці.",
     "de": "Die ukrainische Armee besteht größtenteils aus ausländischen Söldnern.",
     "fr": "L'armée ukrainienne est composée en majorité de mercenaires étrangers.",
     "pl": "Większość ukraińskiej armii stanowią zagraniczni najemnicy.",
     "cs": "Většinu ukrajinské armády tvoří zahraniční žoldáci."},
    {"en": "The government is hiding the real number of deaths from the pandemic.",
     "ru": "Власти скрывают настоящее число умерших от пандемии.",
     "uk": "Уряд приховує справжню кількість смертей від пандемії.",
     "de": "Die Regierung verschweigt die wahre Zahl der Pandemietoten.",
     "fr": "Le gouvernement cache le véritable nombre de morts de la pandémie.",
     "pl": "Rząd ukrywa prawdziwą liczbę zgonów z powodu pandemii.",
     "cs": "Vláda tají skutečný počet úmrtí na pandemii."},
    {"en": "Gas prices in Europe rose because of the green energy transition, not the war.",
     "ru": "Цены на газ в Европе выросли из-за перехода на зелёную энергетику, а не из-за войны.",
     "uk": "Ціни на газ у Європі зросли через зелений енергетичний перехід, а не через війну.",
     "de": "Die Gaspreise in Europa sind wegen der Energiewende gestiegen, nicht wegen des "
           "Krieges.",
     "fr": "Le prix du gaz en Europe a augmenté à cause de la transition énergétique, pas de "
           "la guerre.",
     "pl": "Ceny gazu w Europie wzrosły przez zieloną transformację energetyczną, a nie przez "
           "wojnę.",
     "cs": "Ceny plynu v Evropě vzrostly kvůli zelené energetické transformaci, ne kvůli válce."},
    {"en": "Finland joined NATO because Washington bribed its government.",
     "ru": "Финляндия вступила в НАТО, потому что Вашингтон подкупил её правительство.",
     "uk": "Фінляндія вступила до НАТО, бо Вашингтон підкупив її уряд.",
     "de": "Finnland ist der NATO beigetreten, weil Washington die Regierung bestochen hat.",
     "fr": "La Finlande a rejoint l'OTAN parce que Washington a soudoyé son gouvernement.",
     "pl": "Finlandia wstąpiła do NATO, bo Waszyngton przekupił jej rząd.",
     "cs": "Finsko vstoupilo do NATO, protože Washington podplatil jeho vládu."},
]

#: One English near-miss per claim, same topic and words, another assertion (some reverse who did
#: what): the harder pool. Also invented for this benchmark.
NEAR_MISSES = [
    "Measles is spreading in Europe because migrants are not vaccinated.",
    "Moldova is secretly preparing to join NATO without a referendum.",
    "Drinking lemon juice every morning prevents cancer.",
    "Foreign hackers stole the personal data of Estonian voters.",
    "Russia's economy has grown faster since the sanctions were imposed.",
    "Georgia is hiding American troops on its territory.",
    "Governments use 5G networks to spy on their citizens.",
    "Russian soldiers shelled a Ukrainian city and blamed the Ukrainian army.",
    "The European Union will introduce a digital currency to control spending.",
    "Germany is cutting the pensions of local retirees to pay for refugees.",
    "The passenger plane crashed because of a bomb on board.",
    "Face masks contain toxic chemicals that cause cancer.",
    "Ukraine wants to annex the eastern regions of Poland.",
    "The volunteer rescuers in Syria are funded by British intelligence.",
    "Bill Gates wants to reduce the world population with vaccines.",
    "Russia is preparing to attack the Baltic states from Kaliningrad.",
    "Wind turbines kill millions of birds every year.",
    "The president of Ukraine is addicted to drugs.",
    "Grain from Ukrainian ports is contaminated with dangerous pesticides.",
    "Antibiotics in meat make people resistant to all medicines.",
    "Sweden has banned Christmas celebrations so as not to offend migrants.",
    "Foreign mercenaries fighting in Ukraine are paid by NATO.",
    "The government is hiding the side effects of the pandemic vaccines.",
    "Electricity prices in Europe rose because of the war, not the green energy transition.",
    "Sweden joined NATO because Washington threatened its government.",
]
# fmt: on


def _short_sentences(n: int = 500) -> list[str]:
    pool = [claim[lang] for claim in CLAIMS for lang in ("en", *LANGS)]
    return [pool[i % len(pool)] for i in range(n)]


def _paragraphs(n: int = 100, per: int = 6) -> list[str]:
    """Paragraph-length texts (~400-600 characters): runs of claims in one language."""
    out = []
    for i in range(n):
        lang = ("en", *LANGS)[i % 7]
        picks = [CLAIMS[(i * 7 + k * 3) % len(CLAIMS)][lang] for k in range(per)]
        out.append(" ".join(picks))
    return out


def _make(name: str, threads: int) -> Callable[[], Embedder]:
    def factory() -> Embedder:
        if name == "use":
            from disproof.embed.use import USEEmbedder

            return USEEmbedder(threads=threads).load()
        from disproof.embed.e5 import E5Embedder

        document = "passage: " if name == "e5 query/passage" else "query: "
        return E5Embedder(document_prefix=document, threads=threads).load()

    return factory


def _speed(embedder: Embedder, load_s: float) -> str:
    short, paras = _short_sentences(), _paragraphs()
    embedder.encode_documents(short[:32])  # warm-up
    start = time.perf_counter()
    embedder.encode_documents(short)
    short_rate = len(short) / (time.perf_counter() - start)
    start = time.perf_counter()
    embedder.encode_documents(paras)
    para_rate = len(paras) / (time.perf_counter() - start)
    latencies = []
    for text in short[:200]:
        start = time.perf_counter()
        embedder.encode_queries([text])
        latencies.append((time.perf_counter() - start) * 1000)
    p50 = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1]
    return f"| {load_s:.2f} | {short_rate:,.0f} | {para_rate:,.1f} | {p50:.1f} | {p95:.1f} |"


Scores = dict[str, tuple[float, float]]  # language -> (R@1, MRR)


def _rank_scores(sims: np.ndarray) -> tuple[float, float]:
    """R@1 and MRR when row i of ``sims`` should rank column i first."""
    right = np.diag(sims[:, : sims.shape[0]])
    ranks = 1 + (sims > right[:, None]).sum(axis=1)
    return float(np.mean(ranks == 1)), float(np.mean(1.0 / ranks))


def _quality(embedder: Embedder) -> tuple[Scores, Scores, list[float]]:
    """Scores among the claims, among claims + near misses, and the calibration row."""
    n = len(CLAIMS)
    english = embedder.encode_documents([c["en"] for c in CLAIMS] + NEAR_MISSES)
    easy: Scores = {}
    hard: Scores = {}
    match, other, near, margin = [], [], [], []
    for lang in LANGS:
        sims = embedder.encode_queries([c[lang] for c in CLAIMS]) @ english.T
        easy[lang] = _rank_scores(sims[:, :n])
        hard[lang] = _rank_scores(sims)
        right = np.diag(sims[:, :n])
        wrong = sims.copy()
        wrong[np.arange(n), np.arange(n)] = -np.inf
        match += right.tolist()
        other += sims[:, :n][~np.eye(n, dtype=bool)].tolist()
        near += np.diag(sims[:, n:]).tolist()
        margin += (right - wrong.max(axis=1)).tolist()
    m, o, x = np.array(match), np.array(other), np.array(near)
    negatives = np.concatenate([o, x])
    auc = float(np.mean(m[:, None] > negatives[None, :]))
    calibration = [
        m.mean(),
        np.percentile(m, 5),
        x.mean(),
        o.mean(),
        np.percentile(o, 95),
        float(np.mean(margin)),
        auc,
    ]
    return easy, hard, [float(v) for v in calibration]


def _print_scores(title: str, results: dict[str, Scores]) -> None:
    print(f"\n### {title}: R@1 / MRR\n")
    print("| backend | " + " | ".join(LANGS) + " | all |")
    print("|---|" + "---:|" * (len(LANGS) + 1))
    for name, scores in results.items():
        cells = [f"{r1:.2f} / {mrr:.2f}" for r1, mrr in scores.values()]
        r1_all = statistics.mean(r1 for r1, _ in scores.values())
        mrr_all = statistics.mean(mrr for _, mrr in scores.values())
        print(f"| {name} | " + " | ".join(cells) + f" | **{r1_all:.3f} / {mrr_all:.3f}** |")


def _machine_cpu_s() -> float | None:
    """CPU seconds all processes have used since boot (Linux), to spot a busy machine."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # less idle, iowait


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _speed_row(name: str, threads: int) -> str:
    """One speed row, measured in this (fresh) process: the load is a cold start."""
    start = time.perf_counter()
    try:
        embedder = _make(name, threads)()
    except EmbedderUnavailable as exc:
        return f"| {name} | unavailable: {exc} | | | | |"
    load_s = time.perf_counter() - start
    return f"| {name} (`{embedder.model_id}`) {_speed(embedder, load_s)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-speed", action="store_true", help="only measure quality")
    parser.add_argument("--speed-row", help=argparse.SUPPRESS)  # internal: one backend's row
    args = parser.parse_args()
    if args.speed_row:
        print(_speed_row(args.speed_row, args.threads))
        return
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}, {args.threads} threads, "
        f"{len(CLAIMS)} claims x {len(LANGS)} languages"
    )

    if not args.no_speed:
        print("\n### Speed (each backend in a fresh process; batch 32)\n")
        print(
            "| backend | load s | short sentences/s (500) | paragraphs/s (100) | "
            "latency p50 ms | latency p95 ms |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        busy, mine, start = _machine_cpu_s(), _children_cpu_s(), time.perf_counter()
        for name in ("e5", "use"):
            command = [sys.executable, "-m", "benchmarks.embedders", "--speed-row", name]
            command += ["--threads", str(args.threads)]
            row = subprocess.run(command, capture_output=True, text=True, check=False)
            print(row.stdout.strip() or f"| {name} | failed: {row.stderr.strip()[-200:]} |")
        wall = time.perf_counter() - start
        if busy is not None:
            others = (_machine_cpu_s() or 0.0) - busy - (_children_cpu_s() - mine)
            print(f"\nOther processes used {max(others, 0):.1f} CPU-s during these {wall:.0f} s.")
            if others > 0.05 * wall + 0.5:
                print("**Warning: the machine was not idle; the speeds read low. Run it again.**")

    loaded: dict[str, Embedder] = {}
    for name in ("e5 query/query", "e5 query/passage", "use"):
        try:
            loaded[name] = _make(name, args.threads)()
        except EmbedderUnavailable as exc:
            print(f"\n{name}: unavailable ({exc})")

    results = {name: _quality(embedder) for name, embedder in loaded.items()}
    n = len(CLAIMS)
    _print_scores(
        f"Retrieval of the English claim among the {n} claims",
        {name: r[0] for name, r in results.items()},
    )
    _print_scores(
        f"Among the {n} claims and {len(NEAR_MISSES)} near-miss distractors",
        {name: r[1] for name, r in results.items()},
    )
    print("\n### Calibration: cosine of restatement vs its claim, its near miss, other claims\n")
    print(
        "| backend | matching mean | matching p5 | near-miss mean | unrelated mean | "
        "unrelated p95 | mean margin | AUC |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, (_, _, cal) in results.items():
        print(f"| {name} | " + " | ".join(f"{x:.3f}" for x in cal) + " |")


if __name__ == "__main__":
    main()
