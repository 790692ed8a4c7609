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
SELECTION_TABLE = REPORTS / "model_selection.csv"
SELECTION = REPORTS / "selection.json"
METRICS = REPORTS / "metrics.json"
PREDICTIONS = REPORTS / "predictions.csv"
SLICES = REPORTS / "slices.csv"
ERRORS = REPORTS / "errors.csv"
TOP_FEATURES = REPORTS / "top_features.csv"
ABLATION = REPORTS / "ablation.csv"
BEHAVIOUR = REPORTS / "behaviour.json"
PLOTS = REPORTS / "plots"
CONFUSION_CSV = PLOTS / "confusion.csv"
PR_DIR = PLOTS / "precision_recall"
CALIBRATION_CSV = PLOTS / "calibration.csv"
LEARNING_CURVE_CSV = PLOTS / "learning_curve.csv"
FIGURES = {
    "confusion": PLOTS / "confusion.png",
    "precision_recall": PLOTS / "precision_recall.png",
    "calibration": PLOTS / "calibration.png",
    "learning_curve": PLOTS / "learning_curve.png",
    "selection": PLOTS / "model_selection.png",
    "top_features": PLOTS / "top_features.png",
    "ablation": PLOTS / "ablation.png",
}
REPORT_MD = REPORTS / "report.md"
REPORT_HTML = REPORTS / "report.html"
