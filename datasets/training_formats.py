"""Training layouts beside the dolly record: chat messages and dolly's own instruction prompt.

Both are JSONL, one record per line, written from the same ``DollyRecord`` chunks as the
other formats.

* ``chat``: ``{"messages": [{"role": "user", "content": ...}, {"role": "assistant", "content": ...}]}``,
  the layout TRL's ``SFTTrainer`` and the hosted fine-tuning APIs read.  The user turn is the
  instruction, followed (after a blank line) by the reference text when there is one.
* ``dolly_prompt``: ``{"text": ...}`` holding the prompt that databricks' dolly training code
  builds from each record (``training/consts.py`` of github.com/databrickslabs/dolly): an intro
  line, ``### Instruction:``, the optional ``Input:`` section with the reference text,
  ``### Response:`` and ``### End``.
"""

import json

DOLLY_INTRO = (
    "Below is an instruction that describes a task. Write a response that appropriately completes the request."
)
INSTRUCTION_KEY = "### Instruction:"
INPUT_KEY = "Input:"
RESPONSE_KEY = "### Response:"
END_KEY = "### End"

PROMPT_NO_INPUT = f"{DOLLY_INTRO}\n\n{INSTRUCTION_KEY}\n{{instruction}}\n\n{RESPONSE_KEY}\n{{response}}\n\n{END_KEY}"
PROMPT_WITH_INPUT = (
    f"{DOLLY_INTRO}\n\n{INSTRUCTION_KEY}\n{{instruction}}\n\n{INPUT_KEY}\n{{input}}\n\n"
    f"{RESPONSE_KEY}\n{{response}}\n\n{END_KEY}"
)
CHAT_USER_WITH_CONTEXT = "{instruction}\n\n{context}"


def chat_messages(record):
    user = CHAT_USER_WITH_CONTEXT.format(instruction=record.instruction, context=record.context)
    return [
        {"role": "user", "content": user if record.context else record.instruction},
        {"role": "assistant", "content": record.response},
    ]


def dolly_prompt(record):
    if record.context:
        return PROMPT_WITH_INPUT.format(instruction=record.instruction, input=record.context, response=record.response)
    return PROMPT_NO_INPUT.format(instruction=record.instruction, response=record.response)


def chat_line(record, *, ensure_ascii=True):
    return json.dumps({"messages": chat_messages(record)}, ensure_ascii=ensure_ascii) + "\n"


def prompt_line(record, *, ensure_ascii=True):
    return json.dumps({"text": dolly_prompt(record)}, ensure_ascii=ensure_ascii) + "\n"


def card_section(formats):
    """The dataset card's words on the templates used, for the training formats among ``formats``."""
    out = []
    if "chat" in formats:
        out += [
            "### Chat messages (`*.chat.jsonl`)",
            "",
            'One `{"messages": [...]}` object per line: a `user` turn and an `assistant` turn (the response). '
            "The user turn is the instruction; when the record has a reference text, it follows the "
            "instruction after a blank line:",
            "",
            "```text",
            CHAT_USER_WITH_CONTEXT,
            "```",
            "",
        ]
    if "dolly_prompt" in formats:
        out += [
            "### Dolly instruction prompt (`*.prompt.jsonl`)",
            "",
            'One `{"text": ...}` object per line, the prompt of databricks\' dolly training code '
            "(`training/consts.py` in github.com/databrickslabs/dolly). Without a reference text:",
            "",
            "```text",
            PROMPT_NO_INPUT,
            "```",
            "",
            "With a reference text (the `Input:` section):",
            "",
            "```text",
            PROMPT_WITH_INPUT,
            "```",
            "",
        ]
    return (["## Training templates", "", *out]) if out else []
