"""The FAQ files and the calibrated decision on their matches (bot/faq; calibrated with
`python -m bot.faq calibrate`, see bot/faq/calibrate.py)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class FaqSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    faq_dir: Path = Field(Path("faq_data"), description="Folder with the admin-edited FAQ files.")
    faq_watch: bool = Field(True, description="Reload faq_data when a file changes.")
    faq_answer_bias: float = Field(
        -2.338, description="Intercept of the calibrated probability that the top match is right."
    )
    faq_answer_top_weight: float = Field(
        5.852, description="Weight of the top score in that probability (calibrated)."
    )
    faq_answer_lead_weight: float = Field(
        11.313,
        description="Weight of the top score's lead over the next entry in that probability "
        "(calibrated).",
    )
    faq_answer_coverage_weight: float = Field(
        5.743,
        description="Weight in that probability of how much more of the question the top entry "
        "covers than the next one (calibrated).",
    )
    faq_answer_probability: float = Field(
        0.80,
        description="The top match is answered directly when it is right with at least this "
        "calibrated probability.",
    )
    faq_answer_threshold: float = Field(
        0.414, description="Never answer directly below this top score (calibrated)."
    )
    faq_suggest_threshold: float = Field(
        0.414,
        description="Score at or above which matches are offered as 您是不是想问 choices "
        "(calibrated).",
    )
    faq_max_choices: int = Field(3, description="How many 您是不是想问 choices to offer.")
    faq_out_of_scope_threshold: float = Field(
        0.10,
        description="A question whose best match is an out-of-remit entry (非团务) scoring at "
        "least this, and leading every League entry by FAQ_OUT_OF_SCOPE_LEAD, gets that entry's "
        "kind reply instead of a menu or a case (lexical and semantic results alike).",
    )
    faq_out_of_scope_lead: float = Field(
        0.10, description="Lead over the best League entry that FAQ_OUT_OF_SCOPE_THRESHOLD needs."
    )
    faq_semantic_skip_probability: float = Field(
        0.95,
        description="A lexical result answered directly with at least this calibrated "
        "probability skips the semantic step (the cascade: ~1 ms instead of ~15 ms).",
    )
    faq_semantic_bias: float = Field(
        -5.742, description="Intercept of the calibrated probability on semantic results."
    )
    faq_semantic_top_weight: float = Field(2.028, description="Weight of the fused top score.")
    faq_semantic_lead_weight: float = Field(
        14.268, description="Weight of the fused top score's lead over the runner-up."
    )
    faq_semantic_coverage_weight: float = Field(
        3.438, description="Weight of the top entry's coverage lead (as for lexical results)."
    )
    faq_semantic_cosine_weight: float = Field(
        5.273, description="Weight of the top entry's semantic cosine."
    )
    faq_semantic_cosine_lead_weight: float = Field(
        7.031, description="Weight of the top entry's cosine lead over the closest other entry."
    )
    faq_semantic_probability: float = Field(
        0.81, description="Answer a semantic result directly at this calibrated probability."
    )
    faq_semantic_threshold: float = Field(
        0.262, description="Never answer a semantic result directly below this fused top score."
    )
    faq_semantic_suggest_threshold: float = Field(
        0.262,
        description="Fused top score at or above which semantic results are offered as choices.",
    )
