"""The stack people copy from tutorials, for the benchmark to compare with: Flask with Authlib's
OpenID Connect client, served by gunicorn. It signs in the way Authlib's own Flask example does
(discovery, authorization code with PKCE, the ID token checked, the profile in Flask's signed
cookie session) and, as our server does with the bench's provider, asks userinfo for the username
unless ASK_USERINFO is 0 (the provider then puts the whole profile in the ID token). Started by
`signin-bench --flask-authlib`; not part of the product."""

import os

from authlib.integrations.flask_client import OAuth
from flask import Flask, redirect, request, session, url_for

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]

oauth = OAuth(app)
oauth.register(
    "bench",
    client_id=os.environ["CLIENT_ID"],
    client_secret=os.environ["CLIENT_SECRET"],
    server_metadata_url=os.environ["ISSUER"] + "/.well-known/openid-configuration",
    client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
)


@app.route("/")
def home():
    user = session.get("user")
    return f"Signed in as {user['name']}" if user else "Signed out"


@app.route("/login")
def login():
    return oauth.bench.authorize_redirect(
        url_for("callback", _external=True), login_hint=request.args.get("login")
    )


@app.route("/callback")
def callback():
    token = oauth.bench.authorize_access_token()
    profile = dict(token["userinfo"])
    if os.environ["ASK_USERINFO"] == "1":
        profile.update(oauth.bench.userinfo(token=token))
    session["user"] = profile
    return redirect("/")
