"""Abuse limits for the public form, with no third-party service.

* The address is hashed with a salt derived from SECRET_KEY and the day (HMAC-SHA256): equal addresses
  compare equal within a day for the rate limit; the address itself is never stored or logged.
* Rate limits count accepted opinions in the database (indexed), so every web process sees the same
  figure: at most PER_ADDRESS_PER_HOUR per address hash and PER_UNIT_PER_HOUR per unit.
* A honeypot field that people never see and bots fill in.
* An arithmetic challenge drawn as an image by Pillow. The form carries a signed token with a random
  nonce; the two numbers are an HMAC of the nonce, so the token reveals nothing, and an accepted
  opinion stores the nonce (unique), so one image answers one submission.
* Length limits and HTML stripped (tags removed, entities unescaped, control characters dropped).
* A device cookie (signed, random, two years): a form that takes one answer per device (the evaluation's
  satisfaction survey) stores only an HMAC of it.

The evaluation's public survey (chuxin/evaluation) uses the same pieces: its rows go to `throttled(rows=…)`.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import io
import random
import re
import secrets
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.utils import timezone

PER_ADDRESS_PER_HOUR = 10
PER_UNIT_PER_HOUR = 600
MAX_TEXT = 1000
MIN_TEXT = 5
CHALLENGE_MAX_AGE = 60 * 60  # seconds an image stays valid
HONEYPOT_FIELD = "website"
_SALT = "chuxin.opinions.challenge"

TAG_RE = re.compile(r"<[^>]*>")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def client_address(request) -> str:
    """REMOTE_ADDR; behind a proxy the deployment sets it from X-Forwarded-For in its own middleware."""
    return request.META.get("REMOTE_ADDR", "") or ""


def ip_hash(address: str, day=None) -> str:
    day = day or timezone.localdate()
    key = hashlib.sha256(f"{settings.SECRET_KEY}|opinions|{day.isoformat()}".encode()).digest()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def clean_text(value: str, limit: int = MAX_TEXT) -> str:
    """Plain text: tags removed, entities decoded, control characters dropped, trimmed to the limit."""
    text = TAG_RE.sub("", value or "")
    text = html.unescape(text)
    text = TAG_RE.sub("", text)  # entities that decoded into tags
    text = CONTROL_RE.sub("", text)
    return text.strip()[:limit]


PHONE_RE = re.compile(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")


def clean_phone(value: str) -> str:
    digits = re.sub(r"[\s()（）]", "", value or "")
    return digits[:20]


def valid_phone(value: str) -> bool:
    return bool(PHONE_RE.match(value))


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; short numbers keep only their last two digits."""
    if not phone:
        return ""
    if len(phone) >= 11:
        return phone[:3] + "****" + phone[-4:]
    return "*" * max(len(phone) - 2, 1) + phone[-2:]


def mask_name(name: str) -> str:
    return (name[0] + "*" * max(len(name) - 1, 1)) if name else ""


def throttled(address_hash: str, unit_id: int, now=None, *, rows=None) -> str | None:
    """Which limit is reached ('address' or 'unit'), or None. `rows` are the public submissions counted
    (a queryset with ip_hash, unit and created_at, indexed on both): the public opinions by default."""
    if rows is None:
        from .models import Opinion

        rows = Opinion.objects.filter(recorded_by=None)
    since = (now or timezone.now()) - timedelta(hours=1)
    if rows.filter(ip_hash=address_hash, created_at__gte=since).count() >= PER_ADDRESS_PER_HOUR:
        return "address"
    if rows.filter(unit_id=unit_id, created_at__gte=since).count() >= PER_UNIT_PER_HOUR:
        return "unit"
    return None


# --- one answer per device ----------------------------------------------------------------------------

DEVICE_COOKIE = "chuxin_device"
DEVICE_MAX_AGE = 2 * 365 * 24 * 60 * 60
_DEVICE_SALT = "chuxin.public.device"


def device_token(request) -> str | None:
    """The device's random token from its signed cookie; None without one (or with a forged one)."""
    value = request.get_signed_cookie(DEVICE_COOKIE, default=None, salt=_DEVICE_SALT)
    return value if value and len(value) == 32 else None


def remember_device(request, response) -> str:
    """Give the browser a device cookie unless it has one; returns the token."""
    token = device_token(request)
    if token is None:
        token = secrets.token_hex(16)
        response.set_signed_cookie(
            DEVICE_COOKIE,
            token,
            salt=_DEVICE_SALT,
            max_age=DEVICE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return token


def device_hash(token: str) -> str:
    """What is stored of a device: an HMAC of its token (the cookie's value is never stored)."""
    key = hashlib.sha256(f"{settings.SECRET_KEY}|device".encode()).digest()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


# --- the image challenge ------------------------------------------------------------------------------


def _numbers(nonce: str) -> tuple[int, int]:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{_SALT}|{nonce}".encode(), hashlib.sha256).digest()
    return 2 + digest[0] % 18, 1 + digest[1] % 9


def new_challenge() -> str:
    """A signed token naming a fresh nonce; the question lives only in the image."""
    return signing.dumps({"n": secrets.token_hex(8)}, salt=_SALT, compress=False)


def nonce_of(token: str, max_age: int = CHALLENGE_MAX_AGE) -> str | None:
    try:
        return signing.loads(token, salt=_SALT, max_age=max_age)["n"]
    except (signing.BadSignature, KeyError, TypeError):
        return None


def check_answer(token: str, answer: str) -> str | None:
    """The nonce when the answer is right and the token fresh and genuine, else None."""
    nonce = nonce_of(token)
    if nonce is None:
        return None
    a, b = _numbers(nonce)
    try:
        given = int(str(answer).strip().translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    except ValueError:
        return None
    return nonce if given == a + b else None


def solve(token: str) -> int:
    """For tests and the burst benchmark only: the answer a person reads off the image."""
    a, b = _numbers(nonce_of(token))
    return a + b


@lru_cache(maxsize=1)
def _font(size: int = 30):
    from PIL import ImageFont

    for path in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    ):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def challenge_png(token: str) -> bytes | None:
    """'12 + 7 = ?' drawn with jittered digits, noise lines and dots; None for a bad or stale token."""
    from PIL import Image, ImageDraw

    nonce = nonce_of(token)
    if nonce is None:
        return None
    a, b = _numbers(nonce)
    rng = random.Random(nonce)  # the same token draws the same image
    img = Image.new("RGB", (180, 56), (250, 247, 240))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        draw.line(
            [(rng.randint(0, 180), rng.randint(0, 56)), (rng.randint(0, 180), rng.randint(0, 56))],
            fill=(rng.randint(150, 220), rng.randint(150, 220), rng.randint(150, 220)),
            width=1,
        )
    x = 10
    for ch in f"{a} + {b} = ?":
        if ch == " ":
            x += 8
            continue
        draw.text(
            (x, 10 + rng.randint(-5, 5)),
            ch,
            font=_font(),
            fill=(rng.randint(20, 120), rng.randint(0, 60), rng.randint(0, 60)),
        )
        x += 18
    for _ in range(120):
        draw.point((rng.randint(0, 179), rng.randint(0, 55)), fill=(rng.randint(100, 200),) * 3)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()
