"""Where every stage reads and writes, relative to the project root (dvc.yaml mirrors these)."""

from pathlib import Path

PARAMS = Path("params.yaml")
RAW_DIR = Path("data/raw")
DATA_CARD = Path("data/README.md")
DATA_CARD_TEMPLATE = Path("docs/data_card_template.md")
STATEMENTS = Path("data/clean/statements.csv")
REJECTS = Path("data/clean/rejects.csv")
VOTES = Path("data/clean/votes.csv")
TRAIN = Path("data/split/train.csv")
TEST = Path("data/split/test.csv")
MODEL = Path("models/model.skops")
REPORTS = Path("reports")
CLEAN_LEDGER = REPORTS / "clean.json"
DISPUTED = REPORTS / "disputed.csv"
LABEL_CHANGES = REPORTS / "label_changes.csv"
AGREEMENT = REPORTS / "agreement.json"
METRICS = REPORTS / "metrics.json"
PLOTS = REPORTS / "plots"
CONFUSION_CSV = PLOTS / "confusion.csv"
CONFUSION_PNG = PLOTS / "confusion.png"
REPORT_MD = REPORTS / "report.md"
