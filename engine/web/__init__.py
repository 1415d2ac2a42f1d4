"""The HTTP and WebSocket edge: app plug-in, routes, errors, auth, and the embeddable engine."""

from ._app import AppSpec as AppSpec
from ._auth import AuthError as AuthError
from ._auth import PasswordHasher as PasswordHasher
from ._auth import PasswordTooLong as PasswordTooLong
from ._auth import TokenExpired as TokenExpired
from ._auth import TokenInvalid as TokenInvalid
from ._auth import TokenIssuer as TokenIssuer
from ._auth import load_or_create_secret as load_or_create_secret
from ._engine import Engine as Engine
from ._engine import open_engine as open_engine
from ._errors import CodedErrors as CodedErrors
from ._errors import DetailErrors as DetailErrors
from ._errors import HttpError as HttpError
from ._errors import Problem as Problem
from ._errors import ValidationFailed as ValidationFailed
from ._routes import Cors as Cors
from ._routes import RateLimit as RateLimit
from ._routes import Request as Request
from ._routes import Response as Response
from ._routes import Routes as Routes
from ._routes import WebSocketRoute as WebSocketRoute
from ._routes import rate_limit_headers as rate_limit_headers
from ._validation import make_request_converter as make_request_converter
from ._validation import structure_body as structure_body
