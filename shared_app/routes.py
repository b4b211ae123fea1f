"""The HTTP routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared_app.db import get_db
from shared_app.models import User
from shared_app.schemas import UserCreate, UserOut, UserProfile
from shared_app.security import hash_password, verify_auth

router = APIRouter()
Session = Annotated[AsyncSession, Depends(get_db)]

FEED_POLL_SECONDS = 1.0  # how often the user feed looks for new users


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.post("/users", status_code=status.HTTP_201_CREATED, dependencies=[Depends(verify_auth)])
async def create_user(body: UserCreate, session: Session) -> UserOut:
    user = User(email=body.email, name=body.name, password_hash=hash_password(body.password))
    session.add(user)
    try:
        await session.commit()
    except IntegrityError:
        # The unique email index said no; the session is unusable until rolled back.
        await session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, "email already registered") from None
    return UserOut.model_validate(user)


@router.get("/users")
async def list_users(session: Session) -> list[UserOut]:
    users = await session.scalars(select(User).order_by(User.id))
    return [UserOut.model_validate(user) for user in users]


# Declared before `/users/{user_id}`, which would otherwise take "feed" for a user id (and answer 422).
@router.get("/users/feed")
async def user_feed(session: Session) -> StreamingResponse:
    """Server-sent events: every user so far, then each new one as it appears. A live feed has no end of its
    own: it stops when the client goes away (Starlette cancels the stream on `http.disconnect`).
    """

    async def events() -> AsyncIterator[str]:
        last_id = 0
        while True:
            users = await session.scalars(select(User).where(User.id > last_id).order_by(User.id))
            for user in users:
                last_id = user.id
                body = UserOut.model_validate(user).model_dump_json()
                yield f"id: {user.id}\nevent: user\ndata: {body}\n\n"
            await asyncio.sleep(FEED_POLL_SECONDS)

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.get("/users/{user_id}")
async def get_user(user_id: int, session: Session) -> UserOut:
    user = await session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "user not found")
    return UserOut.model_validate(user)


@router.get("/users/{user_id}/activity")
async def get_activity(user_id: int, session: Session, request: Request) -> dict[str, object]:
    """The user's recent activity from the upstream service. Its errors are not handled here, as in many
    real apps: an upstream failure escapes the route (`aiohttp.ClientResponseError`), a 500 in production.
    """
    user = await session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "user not found")
    async with request.app.state.http.get("/activity", params={"email": user.email}) as response:
        response.raise_for_status()
        activity: dict[str, object] = await response.json()
    return activity


@router.get("/users/{user_id}/avatar")
async def get_avatar(user_id: int, session: Session, request: Request) -> dict[str, str]:
    """The user's avatar URL from the upstream profile service, through the aiohttp session the lifespan
    yielded in its state: `request.state.http`, where `get_profile` reads `request.app.state.http`.
    """
    user = await session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "user not found")
    async with request.state.http.get("/profiles", params={"email": user.email}) as response:
        if response.status != 200:
            raise HTTPException(status.HTTP_502_BAD_GATEWAY, "profile service unavailable")
        extra = await response.json()
    return {"avatar_url": extra["avatar_url"]}


@router.get("/users/{user_id}/profile")
async def get_profile(user_id: int, session: Session, request: Request) -> UserProfile:
    """The user, enriched by the upstream profile service through the app's aiohttp session."""
    user = await session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "user not found")
    http = request.app.state.http
    async with http.get("/profiles", params={"email": user.email}) as response:
        if response.status != 200:
            raise HTTPException(status.HTTP_502_BAD_GATEWAY, "profile service unavailable")
        extra = await response.json()
    return UserProfile(**UserOut.model_validate(user).model_dump(), **extra)
