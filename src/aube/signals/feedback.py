"""What a thumbs up / down, "less like this", save or dismiss changes in a profile.

``decide`` is pure: from the action, the card and the user's interests it returns intents;
``apply`` (in :mod:`aube.signals.service`) writes them. Learning never changes an interest
the person edited by hand, and every change keeps its evidence ("you liked …")."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aube.types import Card

ACTIONS = ("up", "down", "less", "save", "unsave", "dismiss", "open")
SAME_TOPIC = 0.75  # a new signal this close to an interest of the same sign joins it
UP_STEP, DOWN_FACTOR, LESS_FACTOR = 0.25, 0.85, 0.6
MAX_WEIGHT = 3.0


@dataclass(frozen=True)
class InterestView:
    id: int
    label: str
    sign: int
    weight: float
    edited: bool
    vector: np.ndarray


@dataclass
class FeedbackIntents:
    card_flags: dict[str, object] = field(default_factory=dict)
    reweight: dict[int, float] = field(default_factory=dict)  # interest id → new weight
    move: dict[int, np.ndarray] = field(default_factory=dict)  # interest id → new vector
    evidence_for: list[int] = field(
        default_factory=list
    )  # interests that get this card as evidence
    create: list[tuple[str, int, float, np.ndarray]] = field(
        default_factory=list
    )  # label, sign, weight, vector


def _closest(vector: np.ndarray, interests: list[InterestView], sign: int) -> InterestView | None:
    same = [i for i in interests if i.sign == sign and i.vector.shape == vector.shape]
    if not same:
        return None
    best = max(same, key=lambda i: float(i.vector @ vector))
    return best if float(best.vector @ vector) >= SAME_TOPIC else None


def _blend(old: np.ndarray, new: np.ndarray, share: float) -> np.ndarray:
    v = (1 - share) * old + share * new
    n = float(np.linalg.norm(v))
    return v / n if n else old


def decide(
    action: str, card: Card, vector: np.ndarray | None, interests: list[InterestView]
) -> FeedbackIntents:
    out = FeedbackIntents()
    origin = next((i for i in interests if i.id == card.interest_id), None)
    if action in ("up", "down", "less"):
        out.card_flags["feedback"] = action
    elif action == "save":
        out.card_flags["saved"] = True
    elif action == "unsave":
        out.card_flags["saved"] = False
    elif action == "dismiss":
        out.card_flags["dismissed"] = True
    if vector is None:
        return out
    topic = card.headline
    if action == "up":
        target = (
            origin if origin is not None and origin.sign > 0 else _closest(vector, interests, 1)
        )
        if target is None:
            out.create.append((topic, 1, 1.0, vector))
        elif not target.edited:
            out.reweight[target.id] = min(MAX_WEIGHT, target.weight + UP_STEP)
            out.move[target.id] = _blend(target.vector, vector, 0.15)
            out.evidence_for.append(target.id)
        else:
            out.evidence_for.append(target.id)
    elif action in ("down", "less"):
        factor = DOWN_FACTOR if action == "down" else LESS_FACTOR
        if origin is not None and origin.sign > 0 and not origin.edited:
            out.reweight[origin.id] = round(origin.weight * factor, 4)
            out.evidence_for.append(origin.id)
        negative = _closest(vector, interests, -1)
        strength = 1.0 if action == "down" else 1.6
        if negative is None:
            out.create.append((topic, -1, strength, vector))
        elif not negative.edited:
            out.reweight[negative.id] = min(MAX_WEIGHT, negative.weight + 0.5 * strength)
            out.move[negative.id] = _blend(negative.vector, vector, 0.25)
            out.evidence_for.append(negative.id)
    elif action == "save" and origin is not None and origin.sign > 0 and not origin.edited:
        out.reweight[origin.id] = min(MAX_WEIGHT, origin.weight + UP_STEP / 2)
        out.evidence_for.append(origin.id)
    return out
