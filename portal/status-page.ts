/**
 * The page every email link opens until the full portal exists: it signs the person in with the link's one-time
 * token (POST /sessions; the token is in the URL fragment, which no server or log ever sees, and is removed from
 * the address bar at once), then shows the company's status in words — phase, the next step and its due date,
 * training, certificate. The session key lives in this page's memory only (never in storage). Without a token, or
 * with a used one, it offers a new sign-in link by email (POST /sign-in). A client of the public API only.
 *
 * Served at `/` (the page) and `/status.js` (its script, so the Content-Security-Policy needs no inline script):
 * locally by the gateway, in AWS by mock integrations of the REST API (infra/constructs/api.ts), whose response
 * templates are Velocity: the files contain no `#` or `$`, so they pass through unchanged (a test checks).
 */
export const STATUS_PAGE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SECOR Certification</title>
<style>
body{font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:rgb(26,26,26);max-width:40em;margin:0 auto;padding:1em}
h1{font-size:1.5em}label{display:block;margin:.5em 0 .2em}input{font-size:1em;padding:.4em;width:100%;max-width:24em}
button{font-size:1em;padding:.5em 1em;margin-top:.5em;background:rgb(11,83,148);color:rgb(255,255,255);border:0;border-radius:4px}
dt{font-weight:bold;margin-top:.6em}dd{margin-left:0}.note{color:rgb(68,68,68)}[hidden]{display:none}
</style>
<script src="/status.js" defer></script>
</head>
<body>
<main>
<h1>SECOR Certification</h1>
<p id="message" role="status" aria-live="polite">Loading…</p>
<section id="status" hidden aria-labelledby="company-name">
<h2 id="company-name"></h2>
<dl id="facts"></dl>
</section>
<form id="sign-in" hidden>
<h2>Sign in</h2>
<p class="note">Enter the email address SECOR knows you by. We will email you a link that signs you in.</p>
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required>
<button type="submit">Send sign-in link</button>
</form>
</main>
</body>
</html>
`;

export const STATUS_PAGE_JS = `'use strict';
(function () {
  var STEPS = {
    DESIGNATE_TRAINEE: 'Name your SECOR trainee',
    TRAINING_EXAM: 'The SECOR course and exam',
    PROGRAM_SUBMISSION: 'Send in your health and safety program',
    CERTIFICATION_AUDIT: 'The certification audit',
    MAINTENANCE_AUDIT: 'Your maintenance self-audit',
    RECERTIFICATION_AUDIT: 'Your recertification audit',
    TRAINING_REFRESHER: 'Your SECOR refresher course',
  };
  var message = document.getElementById('message');
  var form = document.getElementById('sign-in');
  function say(text) { message.textContent = text; }
  function longDate(iso) {
    var d = new Date(iso + 'T12:00:00Z');
    return d.toLocaleDateString('en-CA', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  }
  function fact(dl, term, value) {
    var dt = document.createElement('dt'); dt.textContent = term;
    var dd = document.createElement('dd'); dd.textContent = value;
    dl.appendChild(dt); dl.appendChild(dd);
  }
  function show(c) {
    document.getElementById('company-name').textContent = c.legalName;
    var dl = document.getElementById('facts');
    dl.textContent = '';
    fact(dl, 'Phase', c.phase + (c.maintenanceYear ? ' (year ' + c.maintenanceYear + ')' : ''));
    if (c.nextAction) {
      fact(dl, 'What to do next', c.nextAction.title +
        (c.nextAction.dueOn ? ', by ' + longDate(c.nextAction.dueOn) : '') + '. ' + c.nextAction.howTo);
    }
    if (c.nextDeadline) {
      fact(dl, 'Next step', (STEPS[c.nextDeadline.step] || c.nextDeadline.step) +
        ' — can be done from ' + longDate(c.nextDeadline.opensOn) + ', due ' + longDate(c.nextDeadline.dueOn) +
        (c.overdue ? ' (overdue)' : ''));
    }
    if (c.trainee) fact(dl, 'Trainee', c.trainee.name);
    if (c.training && c.training.expiresOn) fact(dl, 'Training valid until', longDate(c.training.expiresOn));
    if (c.certificate) fact(dl, 'Certificate', c.certificate.certificateNumber + ', ' + c.certificate.status + ', valid until ' + longDate(c.certificate.expiresOn));
    document.getElementById('status').hidden = false;
    say('You are signed in.');
  }
  function askForLink(text) { say(text); form.hidden = false; }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var email = document.getElementById('email').value;
    fetch('/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: email }) })
      .then(function (r) { say(r.ok ? 'If that address is known, a sign-in link is on its way. Check your email.' : 'That did not work; please try again in a few minutes.'); });
  });
  var token = location.hash.slice(1).split('&').filter(function (p) { return p.indexOf('sign-in=') === 0; })[0];
  if (!token) { askForLink('Sign in to see your company.'); return; }
  history.replaceState(null, '', location.pathname);
  fetch('/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: decodeURIComponent(token.slice('sign-in='.length)) }) })
    .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
    .then(function (s) {
      return fetch('/companies/' + encodeURIComponent(s.companyId), { headers: { authorization: 'Bearer ' + s.sessionKey } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); });
    })
    .then(show, function () { askForLink('This sign-in link was used already or has expired. Ask for a new one:'); });
})();
`;
