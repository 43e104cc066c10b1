site-name = { $city }
skip-to-content = Hoppa till innehållet
nav-home = Startsida
nav-errands = Ärenden
nav-login = Logga in
nav-logout = Logga ut
nav-signed-in-as = Inloggad som { $name }
lang-switch = In English
lang-switch-code = en
footer-text = { $city } – en väg in till staden. Porten är fri programvara.
footer-accessibility = Tillgänglighet: webbplatsen ska uppfylla WCAG 2.1 AA.

home-title = Välkommen till { $city }
home-lead = Här hittar du information och e-tjänster för din situation. Du kan också kontakta vårt kontaktcenter via telefon, e-post eller besök.
home-audiences = Vem är du?
audience-resident = Invånare
audience-parent = Förälder
audience-pupil = Elev
audience-business = Företagare
audience-senior = Senior
home-contact-title = Kontakta oss
home-contact-text = Kontaktcenter svarar på frågor om alla stadens verksamheter och hjälper dig med e-tjänster och e-legitimation.
service-unit = Ansvarig: { $unit }
service-channels = Du kan kontakta oss via: { $channels }
channel-web = webben
channel-email = e-post
channel-phone = telefon
channel-visit = besök
channel-open311 = felanmälan (Open311)
channel-api = systemintegration

login-title = Logga in
login-lead = Logga in med ditt användarnamn och lösenord.
login-username = Användarnamn
login-password = Lösenord
login-submit = Logga in
login-failed = Fel användarnamn eller lösenord.
login-rate-limited = För många inloggningsförsök. Vänta en stund och försök igen.
error-summary-title = Det finns ett problem

errands-title = Ärenden
errands-filter = Filtrera
errands-filter-unit = Förvaltning
errands-filter-state = Status
errands-filter-channel = Kanal
errands-filter-any = Alla
errands-filter-submit = Visa
errands-total = { $total ->
    [one] { $total } ärende
   *[other] { $total } ärenden
}
errands-none = Inga ärenden matchar.
errands-next = Nästa sida
errands-first = Första sidan
col-registry-number = Diarienummer
col-title = Rubrik
col-service = Tjänst
col-status = Status
col-channel = Kanal
col-unit = Förvaltning
col-created = Registrerat

errand-details = Uppgifter
errand-description = Beskrivning
errand-parties = Parter
errand-no-parties = Inga parter registrerade.
errand-timeline = Händelser
errand-confidential = Sekretessmarkerat
errand-assignee = Handläggare
errand-unassigned = Ingen
errand-version = Version
errand-add-note = Lägg till intern anteckning
errand-note-label = Anteckning
errand-note-submit = Spara anteckning
errand-change-status = Ändra status
errand-status-label = Ny status
errand-reason-label = Motivering (valfritt)
errand-status-submit = Ändra status
errand-assign-me = Tilldela mig
errand-conflict = Ärendet har ändrats av någon annan. Sidan visar nu den senaste versionen.
errand-saved = Ändringen är sparad.

event-registered = Registrerat ({ $channel })
event-message-in = Meddelande in
event-message-out = Meddelande ut
event-note = Intern anteckning
event-status_changed = Status ändrad
event-assigned = Tilldelat
event-handed_over = Överlämnat
event-escalated = Eskalerat

state-new = Ny
state-open = Öppen
state-in_progress = Under handläggning
state-waiting_for_citizen = Väntar på komplettering
state-resolved = Avslutad
state-closed = Arkiverad

error-not-found-title = Sidan finns inte
error-not-found-text = Vi hittar inte det du letar efter. Kontrollera adressen eller gå till startsidan.
error-forbidden-title = Du har inte behörighet
error-forbidden-text = Du behöver logga in med ett konto som har tillgång till sidan.
error-internal-title = Något gick fel
error-internal-text = Försök igen om en stund. Kontakta kontaktcenter om felet finns kvar.
error-csrf-title = Formuläret har gått ut
error-csrf-text = Ladda om sidan och försök igen.

nav-main = Huvudmeny
errands-pages = Sidor
errands-filter-invalid = Filtret innehåller ett ogiltigt värde. Välj igen i listorna.
errand-rejected = Ändringen går inte att göra i ärendets nuvarande läge.
errand-conflict-kept = Ärendet har ändrats av någon annan medan du skrev. Din text finns kvar nedan – läs den senaste versionen och spara igen.
yes = Ja
violation-required = { $field } måste fyllas i.
violation-too_long = { $field } är för lång.
violation-invalid = { $field } har ett ogiltigt värde.
error-invalid-title = Det gick inte att spara
error-invalid-text = Uppgifterna kunde inte sparas. Gå tillbaka och kontrollera dem.
