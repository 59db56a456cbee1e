"""Campaigns: the glue between the lab database and the modelling code.

Many campaigns share one database; each is a record with its space file (parameters mapped to
sample fields, the recipe every batch shares, conditions, constraints, one or more objectives),
a status, and its history of edits.

- :mod:`~matdoe.campaign.definition`: a space file read and checked into a frozen
  :class:`CampaignDefinition`;
- :mod:`~matdoe.campaign.registry`: create, find, list, edit and archive campaigns, and
  :func:`resolve_campaign` (a name, else the only open campaign) for every command that takes
  ``--campaign``;
- :mod:`~matdoe.campaign.catalogue`: materials as model inputs (descriptors from the catalogue,
  new catalogued materials as choices);
- :mod:`~matdoe.campaign.observations`: the training tables every model is fitted on, and the
  measured Pareto front;
- :mod:`~matdoe.campaign.suggestions`: asking for a batch, recording it, turning a suggestion
  into a sample, comparing prediction and measurement.
"""

from matdoe.campaign.catalogue import campaign_space, check_catalogue, descriptor_value
from matdoe.campaign.definition import CampaignDefinition, ObjectiveDefinition, load_definition
from matdoe.campaign.observations import (
    INTERVAL_NOTE,
    NEW_INTERVAL_NOTE,
    OBJECTIVE,
    TrainingData,
    activation_energies,
    model_table,
    objective_table,
    observations,
    prediction_columns,
    training_table,
)
from matdoe.campaign.registry import (
    DEFAULT_CAMPAIGN,
    DEFAULT_SPACE_FILE,
    archive_campaign,
    campaign_history,
    create_campaign,
    definition_of,
    edit_campaign,
    ensure_default_campaign,
    find_campaign,
    get_campaign,
    has_campaigns,
    list_campaigns,
    resolve_campaign,
)
from matdoe.campaign.suggestions import (
    abandon,
    find_suggestion,
    pending,
    propose,
    recipe_for,
    record_suggestions,
    sample_fields,
    suggestion_recipe,
    suggestion_rows,
    suggestion_table,
)

__all__ = [
    "DEFAULT_CAMPAIGN",
    "DEFAULT_SPACE_FILE",
    "INTERVAL_NOTE",
    "NEW_INTERVAL_NOTE",
    "OBJECTIVE",
    "CampaignDefinition",
    "ObjectiveDefinition",
    "TrainingData",
    "abandon",
    "activation_energies",
    "archive_campaign",
    "campaign_history",
    "campaign_space",
    "check_catalogue",
    "create_campaign",
    "definition_of",
    "descriptor_value",
    "edit_campaign",
    "ensure_default_campaign",
    "find_campaign",
    "find_suggestion",
    "get_campaign",
    "has_campaigns",
    "list_campaigns",
    "load_definition",
    "model_table",
    "objective_table",
    "observations",
    "pending",
    "prediction_columns",
    "propose",
    "recipe_for",
    "record_suggestions",
    "resolve_campaign",
    "sample_fields",
    "suggestion_recipe",
    "suggestion_rows",
    "suggestion_table",
    "training_table",
]
