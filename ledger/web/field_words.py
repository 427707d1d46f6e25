"""What the write forms call each payload field, and what they say about it, in the page's language.

The API's field names stay as they are; ``LABELS`` names each for people, ``HELP`` carries the
description the schema (or ``ledger.domain.field_notes``) gives, keyed by its English text, and
``UNITS`` the units. ``tests/web/test_forms.py`` fails when a form's field has no label or its
description no entry here (and ``test_catalogue`` when one has no Chinese).
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ledger.web import vocabulary

#: A label per payload field name of every form.
LABELS: dict[str, LazyString] = {
    "party": _l("Party"),
    "legal_name": _l("Legal name"),
    "unified_social_credit_code": _l("Unified social credit code"),
    "roles": _l("Roles"),
    "public_key": _l("Public key"),
    "key_id": _l("Key id"),
    "reason": _l("Reason"),
    "park": _l("Park"),
    "name": _l("Name"),
    "city": _l("City"),
    "economic_zone": _l("Economic zone"),
    "leading_industries": _l("Leading industries"),
    "operator": _l("Park operator"),
    "baseline_year": _l("Baseline year"),
    "baseline_emissions": _l("Baseline emissions"),
    "baseline_output_value": _l("Baseline output value"),
    "currency": _l("Currency"),
    "period_start": _l("Period start"),
    "period_end": _l("Period end"),
    "output_value": _l("Output value"),
    "energy_use_tce": _l("Energy use"),
    "total_emissions": _l("Total emissions"),
    "green_output_value": _l("Green low-carbon output value"),
    "coal_consumption_tce": _l("Coal consumption"),
    "clean_energy_tce": _l("Clean energy use"),
    "project": _l("Project"),
    "owner": _l("Owner"),
    "category": _l("Catalogue category"),
    "equity": _l("Equity"),
    "debt": _l("Debt"),
    "expected_annual_reduction": _l("Expected annual reduction"),
    "target_year": _l("Target year"),
    "decided_at": _l("Decided at"),
    "intensity_reduction_percent": _l("Intensity reduction"),
    "emissions_cap": _l("Emissions cap"),
    "coal_cap_tce": _l("Coal cap"),
    "min_clean_energy_share_percent": _l("Minimum clean-energy share"),
    "assessment": _l("Assessment"),
    "statistics": _l("Statistics entries"),
    "outcome": _l("Outcome"),
    "intensity": _l("Emission intensity"),
    "clean_energy_share_percent": _l("Clean-energy share"),
    "report_sha256": _l("Report SHA-256"),
    "loan": _l("Loan"),
    "principal": _l("Principal"),
    "annual_rate_percent": _l("Annual rate"),
    "term_months": _l("Term"),
    "exceeds_investment": _l("Exceeds the total investment"),
    "amount": _l("Amount"),
    "value_date": _l("Value date"),
    "verification": _l("Verification"),
    "project_emissions": _l("Project emissions"),
    "leakage": _l("Leakage"),
    "reduction": _l("Reduction"),
    "methodology": _l("Methodology"),
    "vintage": _l("Vintage"),
    "program": _l("Reward programme"),
    "budget": _l("Budget"),
    "kind": _l("Kind"),
    "yuan_per_tco2e": _l("Yuan per tCO2e"),
    "cap_per_project": _l("Cap per project"),
    "award_per_park": _l("Award per park"),
    "disbursement": _l("Disbursement"),
    "verifications": _l("Verifications"),
    "serial_start": _l("First serial"),
    "serial_end": _l("Last serial"),
    "holder": _l("Holder"),
    "to": _l("To"),
    "beneficiary": _l("Beneficiary"),
    "corrects": _l("Entry corrected"),
    "payload": _l("New payload"),
}

#: Every form field's description, by its English text (the schema's, which the API documents).
HELP: dict[str, LazyString] = {
    "the new party's id: it signs as this (--signer)": _l("the new party's id: it signs as this (--signer)"),
    "legal name, as on the business licence": _l("legal name, as on the business licence"),
    "Unified social credit code (GB 32100-2015, 18 characters)": _l("Unified social credit code (GB 32100-2015, 18 characters)"),
    "what the party may sign and read": _l("what the party may sign and read"),
    "the party's raw Ed25519 public key (`greenledger keys generate` prints it)": _l("the party's raw Ed25519 public key (`greenledger keys generate` prints it)"),
    "the registered party whose key this is": _l("the registered party whose key this is"),
    "the key to revoke (`GET /v1/parties/<party>` lists a party's keys)": _l("the key to revoke (`GET /v1/parties/<party>` lists a party's keys)"),
    "why, in words": _l("why, in words"),
    "park id": _l("park id"),
    "the name the programme shows": _l("the name the programme shows"),
    "city or prefecture": _l("city or prefecture"),
    "the Sichuan economic zone the park lies in": _l("the Sichuan economic zone the park lies in"),
    "the park's leading industries": _l("the park's leading industries"),
    "party with role park_operator": _l("party with role park_operator"),
    "the year the baseline figures are for": _l("the year the baseline figures are for"),
    "the park's emissions in the baseline year": _l("the park's emissions in the baseline year"),
    "the park's output value in the baseline year": _l("the park's output value in the baseline year"),
    "ISO 4217 currency code": _l("ISO 4217 currency code"),
    "the period's first instant (periods are [start, end))": _l("the period's first instant (periods are [start, end))"),
    "the first instant after the period": _l("the first instant after the period"),
    "the park's output value over the period": _l("the park's output value over the period"),
    "tonnes of standard coal equivalent": _l("tonnes of standard coal equivalent"),
    "the park's emissions over the period": _l("the park's emissions over the period"),
    "of the output value, what green low-carbon industry produced": _l("of the output value, what green low-carbon industry produced"),
    "coal consumed, in tonnes of standard coal equivalent": _l("coal consumed, in tonnes of standard coal equivalent"),
    "of the energy use, clean energy (tonnes of standard coal equivalent)": _l("of the energy use, clean energy (tonnes of standard coal equivalent)"),
    "the calendar year the targets are for": _l("the calendar year the targets are for"),
    "total output value of the pilot parks in the target year": _l("total output value of the pilot parks in the target year"),
    "of which from green low-carbon industry": _l("of which from green low-carbon industry"),
    "when the department decided the targets: in or before the target year, and not after the entry is signed": _l("when the department decided the targets: in or before the target year, and not after the entry is signed"),
    "emission intensity (tCO2e per 10,000 yuan of output) at least this much below the park's baseline": _l("emission intensity (tCO2e per 10,000 yuan of output) at least this much below the park's baseline"),
    "most total emissions in the target year (tCO2e)": _l("most total emissions in the target year (tCO2e)"),
    "most coal consumption in the target year (tonnes of standard coal equivalent)": _l("most coal consumption in the target year (tonnes of standard coal equivalent)"),
    "least share of clean energy in the park's energy use": _l("least share of clean energy in the park's energy use"),
    "assessment id": _l("assessment id"),
    "log indices of the park.statistics.reported entries that cover the target year": _l("log indices of the park.statistics.reported entries that cover the target year"),
    "successful when every target in force is met, else not-successful (the server checks it)": _l("successful when every target in force is met, else not-successful (the server checks it)"),
    "the year's output value: the statistics' sum": _l("the year's output value: the statistics' sum"),
    "the year's green low-carbon industry output (when every period reports it)": _l("the year's green low-carbon industry output (when every period reports it)"),
    "the year's emissions: the statistics' sum": _l("the year's emissions: the statistics' sum"),
    "tCO2e per 10,000 yuan of output value, rounded half-even to 6 places": _l("tCO2e per 10,000 yuan of output value, rounded half-even to 6 places"),
    "how far the intensity lies below the park's baseline intensity, in percent (2 places, half-even)": _l("how far the intensity lies below the park's baseline intensity, in percent (2 places, half-even)"),
    "the year's coal consumption (when every period reports it)": _l("the year's coal consumption (when every period reports it)"),
    "clean-energy use over energy use, in percent (when every period reports it)": _l("clean-energy use over energy use, in percent (when every period reports it)"),
    "SHA-256 of the assessment report": _l("SHA-256 of the assessment report"),
    "project id": _l("project id"),
    "legal name of the project company": _l("legal name of the project company"),
    "Green Industry Guidance Catalogue code": _l("Green Industry Guidance Catalogue code"),
    "the project's equity financing": _l("the project's equity financing"),
    "the project's debt financing (its loans may not exceed equity + debt)": _l("the project's debt financing (its loans may not exceed equity + debt)"),
    "reductions the project expects a year": _l("reductions the project expects a year"),
    "loan id": _l("loan id"),
    "the amount lent": _l("the amount lent"),
    "nominal annual rate in percent": _l("nominal annual rate in percent"),
    "the loan's term": _l("the loan's term"),
    "set to register a loan that takes the project's loans past its total investment": _l("set to register a loan that takes the project's loans past its total investment"),
    "the amount paid out (all disbursements together at most the principal)": _l("the amount paid out (all disbursements together at most the principal)"),
    "when the money moved": _l("when the money moved"),
    "the amount paid back (all repayments together at most what was disbursed)": _l("the amount paid back (all repayments together at most what was disbursed)"),
    "verification id": _l("verification id"),
    "the emissions without the project over the period": _l("the emissions without the project over the period"),
    "the emissions with the project over the period": _l("the emissions with the project over the period"),
    "defaults to 0.000": _l("defaults to 0.000"),
    "must equal baseline − project − leakage": _l("must equal baseline − project − leakage"),
    "the methodology the verification followed": _l("the methodology the verification followed"),
    "SHA-256 of the verification report": _l("SHA-256 of the verification report"),
    "the year the reduction counts for, inside the period": _l("the year the reduction counts for, inside the period"),
    "programme id": _l("programme id"),
    "the programme's budget": _l("the programme's budget"),
    "per-tonne (the default): pays projects for verified reductions; park-success: pays the parks assessed successful in target_year": _l("per-tonne (the default): pays projects for verified reductions; park-success: pays the parks assessed successful in target_year"),
    "per-tonne: most paid per verified tCO2e (required for that kind)": _l("per-tonne: most paid per verified tCO2e (required for that kind)"),
    "per-tonne: most one project may receive from the programme": _l("per-tonne: most one project may receive from the programme"),
    "park-success: the year whose successful parks it rewards (required for that kind)": _l("park-success: the year whose successful parks it rewards (required for that kind)"),
    "park-success: most one park may receive (required for that kind)": _l("park-success: most one park may receive (required for that kind)"),
    "disbursement id": _l("disbursement id"),
    "project id (per-tonne programmes)": _l("project id (per-tonne programmes)"),
    "the amount paid (at most the programme's rate times the tonnes paid for)": _l("the amount paid (at most the programme's rate times the tonnes paid for)"),
    "per-tonne programmes: the verifications this pays for, of this project, none paid for before": _l("per-tonne programmes: the verifications this pays for, of this project, none paid for before"),
    "park id (park-success programmes)": _l("park id (park-success programmes)"),
    "park-success programmes: the park's successful assessment of the programme's target year": _l("park-success programmes: the park's successful assessment of the programme's target year"),
    "first serial of the range": _l("first serial of the range"),
    "last serial of the range (inclusive)": _l("last serial of the range (inclusive)"),
    "the party the new credits are credited to": _l("the party the new credits are credited to"),
    "the party receiving the credits": _l("the party receiving the credits"),
    "on whose behalf the credits are retired": _l("on whose behalf the credits are retired"),
    "the index of the entry replaced (its receipt's index)": _l("the index of the entry replaced (its receipt's index)"),
    "a complete payload of the corrected entry's type": _l("a complete payload of the corrected entry's type"),
}

#: The units ``field_notes`` gives, by their English text.
UNITS: dict[str, LazyString] = {
    "CNY": _l("CNY"),
    "calendar year": _l("calendar year"),
    "months": _l("months"),
    "one serial per tCO2e": _l("one serial per tCO2e"),
    "percent a year": _l("percent a year"),
    "tCO2e": _l("tCO2e"),
    "tCO2e per 10,000 yuan of output value": _l("tCO2e per 10,000 yuan of output value"),
    "tce (tonnes of standard coal equivalent)": _l("tce (tonnes of standard coal equivalent)"),
}

#: Each form's entry type description (``EntryType.description``), by its English text.
DESCRIPTIONS: dict[str, LazyString] = {
    "A party with its roles and first key.": _l("A party with its roles and first key."),
    "Another key for a party.": _l("Another key for a party."),
    "A key that signs nothing more.": _l("A key that signs nothing more."),
    "A pilot park with its baseline.": _l("A pilot park with its baseline."),
    "A park's figures for a period.": _l("A park's figures for a period."),
    "The pilot programme's output value targets for a year.": _l("The pilot programme's output value targets for a year."),
    "A park's emission, coal and clean-energy targets for a year.": _l("A park's emission, coal and clean-energy targets for a year."),
    "An expert judgement whether a park met its targets in a year.": _l("An expert judgement whether a park met its targets in a year."),
    "A green project in a park.": _l("A green project in a park."),
    "A green loan to a project.": _l("A green loan to a project."),
    "Money paid out under a loan.": _l("Money paid out under a loan."),
    "Money paid back under a loan.": _l("Money paid back under a loan."),
    "Emission reductions verified for a project's monitoring period.": _l("Emission reductions verified for a project's monitoring period."),
    "A reward programme and its budget.": _l("A reward programme and its budget."),
    "A reward paid for verified reductions, or to a successful park.": _l("A reward paid for verified reductions, or to a successful park."),
    "A serial block of credits on a verification.": _l("A serial block of credits on a verification."),
    "Credits moved to another holder.": _l("Credits moved to another holder."),
    "Credits retired for a beneficiary.": _l("Credits retired for a beneficiary."),
    "Credits withdrawn.": _l("Credits withdrawn."),
    "Replaces the payload of an earlier entry.": _l("Replaces the payload of an earlier entry."),
}

#: The values of the forms' choice fields whose code is not a name (economic zones and roles have theirs
#: in ``ledger.web.vocabulary``).
CHOICES: dict[str, LazyString] = {
    "CNY": _l("CNY (yuan)"),
    "successful": _l("successful: every target in force met"),
    "not-successful": _l("not successful"),
    "per-tonne": _l("per tonne of verified reduction"),
    "park-success": _l("for parks assessed successful"),
}


def label(name: str) -> str:
    return str(LABELS.get(name, name))


def help_text(description: str) -> str:
    return str(HELP.get(description, description))


def unit(text: str) -> str:
    return str(UNITS.get(text, text))


def description(text: str) -> str:
    return str(DESCRIPTIONS.get(text, text))


def choice(field: str, value: str) -> str:
    """A choice field's value as the form offers it: by its name, with the code beside it in the page."""
    if field == "economic_zone":
        return vocabulary.zone_name(value)
    if field == "roles":
        return vocabulary.role_name(value)
    return str(CHOICES.get(value, value))
