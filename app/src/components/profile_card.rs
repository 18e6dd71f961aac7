use leptos::prelude::*;

use crate::{api::SignOut, model::Profile};

/// The signed-in view: who you are, and how to sign out. Server-rendered only.
#[component]
pub fn ProfileCard(profile: Profile) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();

    // The picture is a background over the initials: while it loads, and if it never does,
    // the initials show, with or without the wasm (a failed background draws nothing, where a
    // failed <img> would draw the browser's broken-image icon).
    let avatar = view! {
        <span class="avatar initials" aria-hidden="true">
            {profile.person.initials()}
            {profile
                .person
                .avatar_url
                .clone()
                .map(|url| {
                    view! {
                        <span class="picture" style=format!("background-image: url({})", css_string(&url))></span>
                    }
                })}
        </span>
    };
    let verified = match profile.person.email_verified {
        Some(true) => "verified",
        Some(false) => "not verified",
        None => "verification unknown",
    };
    let relay = profile.person.email_is_private_relay();
    view! {
        <section class="card profile" aria-labelledby="profile-name">
            {avatar}
            <h1 id="profile-name" class="display-name">{profile.person.display_name.clone()}</h1>
            {profile.person.username.clone().map(|u| view! { <p class="username">"@" {u}</p> })}
            {profile
                .person
                .email
                .clone()
                .map(|email| {
                    view! {
                        <p class="email">
                            {email} " " <span class="badge">{verified}</span>
                            {relay
                                .then(|| {
                                    view! {
                                        " "
                                        <span class="relay" title="Apple forwards mail sent here to the person's own address">
                                            "private relay"
                                        </span>
                                    }
                                })}
                        </p>
                    }
                })}
            {profile
                .person
                .workspace
                .clone()
                .map(|workspace| view! { <p class="workspace">{workspace}</p> })}
            <p class="via">"Signed in with " {profile.provider_name.clone()}</p>
            <details class="claims">
                <summary>"What " {profile.provider_name.clone()} " shared"</summary>
                <dl>
                    <dt>"Account id"</dt>
                    <dd class="subject">{profile.subject.clone()}</dd>
                </dl>
                {profile
                    .person
                    .raw_claims
                    .clone()
                    .map(|claims| {
                        view! {
                            <pre class="raw-claims" aria-label="Claims as the provider sent them">
                                {claims}
                            </pre>
                        }
                    })}
                <p class="note">"Tokens stay on the server and are never shown."</p>
            </details>
            <nav class="account-links" aria-label="Your account">
                <a href="/dashboard">"Dashboard"</a>
                <a href="/account">"Account"</a>
            </nav>
            // A plain form: the server answers with a 303 to the signed-out page.
            <ActionForm action=sign_out>
                <button type="submit" class="button">"Sign out"</button>
            </ActionForm>
        </section>
    }
}

/// `value` as a quoted CSS string: quotes and backslashes escaped, and control characters
/// written as CSS escapes, so that nothing in it can end the string.
fn css_string(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            c if c.is_control() => quoted.push_str(&format!("\\{:x} ", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::css_string;

    #[test]
    fn nothing_in_a_url_can_end_the_css_string() {
        assert_eq!(
            css_string("https://a.example/p.png"),
            "\"https://a.example/p.png\""
        );
        assert_eq!(
            css_string("https://a.example/\");x:url(\\evil\n"),
            "\"https://a.example/\\\");x:url(\\\\evil\\a \""
        );
    }
}
