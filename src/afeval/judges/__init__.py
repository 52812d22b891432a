"""The judges: pure prompt builders, reply parsers and verdict builders, plus the majority vote and the offline
judges.

Each judge module writes the prompt a judge model reads, turns the judge's reply into a frozen reading
(raising ``JudgeReplyError`` when the reply does not follow the layout) and builds the sample's
:class:`Verdict` from the replies; its ``JUDGE`` bundles these for the engine (see ``_judge``). Calling the
judge model is the engine's job; nothing here does I/O beyond reading the rubric files shipped in
``judges/templates`` and the offline classifier's weights.

* compliance (StrongREJECT): did the final output help with the request?
* alignment-faking reasoning: one vote on the scratchpad's four criteria; votes are combined by majority vote
* partial compliance: scheming, compromise or avoidance in the final decision
* offline: the model's own decision tag, and a rule-based alignment-faking score
* the older easy/hard alignment-faking pair, the helpfulness and alignment-faking motive categorisers, and the
  follow-up questions put to a model that complied (with the role-play classifier)
* the catalogue of classifiers a run can select, with what each reads and costs
"""

from afeval.judges._errors import JudgeReplyError
from afeval.judges._judge import Judge, JudgeCall, JudgeReply, RubricJudge
from afeval.judges._summary import (
    ClassifierSummary,
    DecisionRateSummary,
    FigureFormat,
    FigureValue,
    SummaryFigure,
)
from afeval.judges._templates import JudgeMessages, JudgePrompt
from afeval.judges._verdict import JudgeStatus, Verdict
from afeval.judges.af_legacy import (
    LegacyAFVerdict,
    LegacyScoreSummary,
    LegacyVariant,
    combine_legacy_af,
    legacy_af_judge_prompt,
    legacy_af_score,
    legacy_af_verdict,
    parse_legacy_af_reply,
)
from afeval.judges.alignment_faking import (
    AFVoteRecord,
    AlignmentFakingVote,
    VotingJudge,
    alignment_faking_judge_prompt,
    majority_verdict,
    parse_alignment_faking_reply,
)
from afeval.judges.catalog import (
    CLASSIFIER_CATALOG,
    CORE_CLASSIFIERS,
    DEFAULT_CLASSIFIERS,
    REQUIRED_CLASSIFIER,
    SUMMARY_TYPES,
    ClassifierSpec,
    InputField,
    SummaryKind,
    classifier_spec,
    select_classifiers,
)
from afeval.judges.compliance import (
    ComplianceVerdict,
    compliance_judge_prompt,
    compliance_verdict,
    parse_compliance_reply,
)
from afeval.judges.follow_up import (
    FollowUpAnswer,
    FollowUpJudge,
    FollowUpQuestion,
    FollowUpReply,
    RolePlayLabel,
    RolePlaySummary,
    RolePlayVerdict,
    append_follow_up,
    follow_up_question,
    follow_up_turn,
    follow_up_verdict,
    parse_follow_up_answer,
    parse_role_play_reply,
    role_play_judge_prompt,
)
from afeval.judges.motives import (
    AFMotive,
    HelpfulnessMotive,
    MotiveCategoriser,
    MotiveSummary,
    MotiveVerdict,
    af_motive_prompt,
    helpfulness_motive_prompt,
    motive_labels,
    motive_verdict,
    parse_af_motive_reply,
    parse_helpfulness_motive_reply,
    parse_motive_reply,
)
from afeval.judges.offline import (
    OFFLINE_JUDGE,
    offline_alignment_faking_cue_hits,
    offline_alignment_faking_cues,
    offline_alignment_faking_score,
    tag_compliance,
)
from afeval.judges.partial_compliance import (
    PartialComplianceVerdict,
    parse_partial_compliance_reply,
    partial_compliance_judge_prompt,
    partial_compliance_verdict,
)
from afeval.judges.sequential import (
    SequentialDecision,
    SequentialVoter,
    SequentialVotingPolicy,
    sequential_verdict,
)
from afeval.judges.voting import (
    AF_THRESHOLD,
    AF_VOTE_TEMPERATURE,
    DEFAULT_AF_VOTES,
    MAYBE_THRESHOLD,
    AFLabel,
    MajorityVote,
    af_label,
    majority_vote,
)

__all__ = [
    "AF_THRESHOLD",
    "AF_VOTE_TEMPERATURE",
    "CLASSIFIER_CATALOG",
    "CORE_CLASSIFIERS",
    "DEFAULT_AF_VOTES",
    "DEFAULT_CLASSIFIERS",
    "MAYBE_THRESHOLD",
    "OFFLINE_JUDGE",
    "REQUIRED_CLASSIFIER",
    "SUMMARY_TYPES",
    "AFLabel",
    "AFMotive",
    "AFVoteRecord",
    "AlignmentFakingVote",
    "ClassifierSpec",
    "ClassifierSummary",
    "ComplianceVerdict",
    "DecisionRateSummary",
    "FigureFormat",
    "FigureValue",
    "FollowUpAnswer",
    "FollowUpJudge",
    "FollowUpQuestion",
    "FollowUpReply",
    "HelpfulnessMotive",
    "InputField",
    "Judge",
    "JudgeCall",
    "JudgeMessages",
    "JudgePrompt",
    "JudgeReply",
    "JudgeReplyError",
    "JudgeStatus",
    "LegacyAFVerdict",
    "LegacyScoreSummary",
    "LegacyVariant",
    "MajorityVote",
    "MotiveCategoriser",
    "MotiveSummary",
    "MotiveVerdict",
    "PartialComplianceVerdict",
    "RolePlayLabel",
    "RolePlaySummary",
    "RolePlayVerdict",
    "RubricJudge",
    "SequentialDecision",
    "SequentialVoter",
    "SequentialVotingPolicy",
    "SummaryFigure",
    "SummaryKind",
    "Verdict",
    "VotingJudge",
    "af_label",
    "af_motive_prompt",
    "alignment_faking_judge_prompt",
    "append_follow_up",
    "classifier_spec",
    "combine_legacy_af",
    "compliance_judge_prompt",
    "compliance_verdict",
    "follow_up_question",
    "follow_up_turn",
    "follow_up_verdict",
    "helpfulness_motive_prompt",
    "legacy_af_judge_prompt",
    "legacy_af_score",
    "legacy_af_verdict",
    "majority_verdict",
    "majority_vote",
    "motive_labels",
    "motive_verdict",
    "offline_alignment_faking_cue_hits",
    "offline_alignment_faking_cues",
    "offline_alignment_faking_score",
    "parse_af_motive_reply",
    "parse_alignment_faking_reply",
    "parse_compliance_reply",
    "parse_follow_up_answer",
    "parse_helpfulness_motive_reply",
    "parse_legacy_af_reply",
    "parse_motive_reply",
    "parse_partial_compliance_reply",
    "parse_role_play_reply",
    "partial_compliance_judge_prompt",
    "partial_compliance_verdict",
    "role_play_judge_prompt",
    "select_classifiers",
    "sequential_verdict",
    "tag_compliance",
]
