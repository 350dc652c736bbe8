"""Yes/no answers ("sure", "sí, claro", "sim", "no thanks", "não"), e.g. to a consent question."""

from __future__ import annotations

import re

from agent.extraction.rules.lexicon import FLAGS

# A yes-word opening the message, then the end, punctuation, an emoji or more words ("sure, send it").
_YES = re.compile(
    r"^\W*(?:yes|yeah|yea|yep|yup|yess+|ya|sure|surely|ok|okay|okey|okie|kk|of course|absolutely|definitely|"
    r"certainly|please do|go ahead|sounds good|sounds great|that works|works for me|alright|all right|"
    r"by all means|yes please|sí|si|claro|dale|vale|por supuesto|desde luego|de acuerdo|perfecto|"
    r"sim|pode ser|pode|beleza|com certeza|certo|tá bom|ta bom|tá|fechado|ja|jawohl|gerne|klar|"
    r"einverstanden|👍|✅|👌)(?=$|[\s,.!;:)\-–—]|[\U0001f000-\U0001faff\u2600-\u27bf])",
    FLAGS,
)
# "no" must stand alone ("No.", "no thanks"): "no rush" or "no email pls" is not an answer.
_NO = re.compile(
    r"^\W*(?:no(?=$|[\s]*[,.!;)]|\s+(?:thanks|thank you|thx|gracias|obrigad[oa]|pls|please|way)\b)|"
    r"nope|nah|not now|not really|no thanks|no thank you|not interested|i'?d rather not|rather not|"
    r"não|nao|prefiro não|prefiro nao|agora não|no gracias|prefiero que no|ahora no|"
    r"nein|lieber nicht|👎)(?=$|[\s,.!;:)\-–—]|[\U0001f000-\U0001faff\u2600-\u27bf])",
    FLAGS,
)
# "si" is also Spanish "if": as a yes it must stand alone or before a comma.
_SI_IF = re.compile(r"^\W*si\s+(?!claro|,)\w", FLAGS)


def affirmation(text: str) -> bool | None:
    """True for a yes, False for a no, None when the message opens with neither."""
    norm = text.lower()
    if _NO.match(norm):
        return False
    if _YES.match(norm) and not _SI_IF.match(norm):
        return True
    return None
