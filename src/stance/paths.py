"""Where every stage reads and writes, relative to the project root (dvc.yaml mirrors these)."""

from dataclasses import dataclass
from pathlib import Path

PARAMS = Path("params.yaml")
RAW_DIR = Path("data/raw")
DATA_CARD = Path("data/README.md")
UNLABELED_DIR = Path("data/unlabeled")
DOCUMENTS_DIR = Path("data/documents")
EXTRACTED = Path("data/extracted/statements.csv")
SUSPECTS = Path("reports/suspect_labels.csv")
QUEUE = Path("reports/annotation_queue.csv")
QUEUE_LABEL_STUDIO = Path("reports/annotation_queue_labelstudio.json")
DATA_CARD_TEMPLATE = Path("docs/data_card_template.md")
STATEMENTS = Path("data/clean/statements.csv")
REJECTS = Path("data/clean/rejects.csv")
VOTES = Path("data/clean/votes.csv")
TRAIN = Path("data/split/train.csv")
TEST = Path("data/split/test.csv")
SPLIT_SUMMARY = Path("reports/split.json")
MODEL = Path("models/model.skops")
MODEL_CARD = Path("models/model_card.json")
REPORTS = Path("reports")
CLEAN_LEDGER = REPORTS / "clean.json"
DISPUTED = REPORTS / "disputed.csv"
LABEL_CHANGES = REPORTS / "label_changes.csv"
AGREEMENT = REPORTS / "agreement.json"
SELECTION_TABLE = REPORTS / "model_selection.csv"
SELECTION = REPORTS / "selection.json"
SELECTION_OUT_OF_FOLD = REPORTS / "selection_out_of_fold.csv"
ABLATION = REPORTS / "ablation.csv"
BEHAVIOUR = REPORTS / "behaviour.json"
BEHAVIOUR_DETAILS = REPORTS / "behaviour_details.json"
PREVIOUS = REPORTS / "previous"
PREVIOUS_PREDICTIONS = PREVIOUS / "predictions.csv"
PREVIOUS_REVISION = PREVIOUS / "revision.json"
PLOTS = REPORTS / "plots"
SELECTION_FIGURE = PLOTS / "model_selection.png"
ABLATION_FIGURE = PLOTS / "ablation.png"
ACTIVE_LEARNING = REPORTS / "active_learning.csv"
ACTIVE_LEARNING_RUNS = REPORTS / "active_learning_runs.csv"
ACTIVE_LEARNING_SUMMARY = REPORTS / "active_learning.json"
ACTIVE_LEARNING_FIGURE = PLOTS / "active_learning.png"
EXPERIMENTS = REPORTS / "experiments.csv"
EXPERIMENTS_FIGURE = PLOTS / "experiments.png"
TIMELINE = REPORTS / "timeline.csv"
TIMELINE_FIGURE = PLOTS / "timeline.png"
REPORT_MD = REPORTS / "report.md"
REPORT_HTML = REPORTS / "report.html"


@dataclass(frozen=True)
class TaskOutputs:
    """The model and evaluation outputs of one task (stance, or tone)."""

    model: Path
    reports: Path

    @property
    def metrics(self) -> Path:
        return self.reports / "metrics.json"

    @property
    def details(self) -> Path:
        return self.reports / "evaluation.json"

    @property
    def predictions(self) -> Path:
        return self.reports / "predictions.csv"

    @property
    def slices(self) -> Path:
        return self.reports / "slices.csv"

    @property
    def errors(self) -> Path:
        return self.reports / "errors.csv"

    @property
    def top_features(self) -> Path:
        return self.reports / "top_features.csv"

    @property
    def plots(self) -> Path:
        return self.reports / "plots"

    def figure(self, name: str) -> Path:
        return self.plots / f"{name}.png"


def task_outputs(task: str) -> TaskOutputs:
    """Stance keeps the top-level paths (models/model.skops, reports/); other tasks get their own folder."""
    return (
        TaskOutputs(MODEL, REPORTS) if task == "stance" else TaskOutputs(Path(f"models/{task}.skops"), REPORTS / task)
    )


PREDICTIONS = task_outputs("stance").predictions
TASKS = ("stance", "tone")  # the labelling tasks: stance (threat / warning / neutral) and tone
