site-name = { $city }
skip-to-content = Skip to content
nav-home = Home
nav-errands = Errands
nav-login = Sign in
nav-logout = Sign out
nav-signed-in-as = Signed in as { $name }
lang-switch = På svenska
lang-switch-code = sv
footer-text = { $city } – one way in to the city. Porten is free software.
footer-accessibility = Accessibility: this site aims to meet WCAG 2.1 AA.

home-title = Welcome to { $city }
home-lead = Find information and e-services for your situation. You can also contact our contact center by phone, e-mail or in person.
home-audiences = Who are you?
audience-resident = Resident
audience-parent = Parent
audience-pupil = Pupil
audience-business = Business
audience-senior = Senior
home-contact-title = Contact us
home-contact-text = The contact center answers questions about all the city's services and helps you with e-services and e-ID.
service-unit = Responsible: { $unit }
service-channels = You can reach us by: { $channels }
channel-web = web
channel-email = e-mail
channel-phone = phone
channel-visit = visit
channel-open311 = fault report (Open311)
channel-api = system integration

login-title = Sign in
login-lead = Sign in with your username and password.
login-username = Username
login-password = Password
login-submit = Sign in
login-failed = Wrong username or password.
login-rate-limited = Too many sign-in attempts. Please wait a moment and try again.
error-summary-title = There is a problem

errands-title = Errands
errands-filter = Filter
errands-filter-unit = Administration
errands-filter-state = Status
errands-filter-channel = Channel
errands-filter-any = All
errands-filter-submit = Show
errands-total = { $total ->
    [one] { $total } errand
   *[other] { $total } errands
}
errands-none = No errands match.
errands-next = Next page
errands-first = First page
col-registry-number = Registry number
col-title = Title
col-service = Service
col-status = Status
col-channel = Channel
col-unit = Administration
col-created = Registered

errand-details = Details
errand-description = Description
errand-parties = Parties
errand-no-parties = No parties registered.
errand-timeline = Timeline
errand-confidential = Confidential
errand-assignee = Case officer
errand-unassigned = None
errand-version = Version
errand-add-note = Add internal note
errand-note-label = Note
errand-note-submit = Save note
errand-change-status = Change status
errand-status-label = New status
errand-reason-label = Reason (optional)
errand-status-submit = Change status
errand-assign-me = Assign to me
errand-conflict = Someone else changed this errand. The page now shows the latest version.
errand-saved = Your change has been saved.

event-registered = Registered ({ $channel })
event-message-in = Message in
event-message-out = Message out
event-note = Internal note
event-status_changed = Status changed
event-assigned = Assigned
event-handed_over = Handed over
event-escalated = Escalated

state-new = New
state-open = Open
state-in_progress = In progress
state-waiting_for_citizen = Waiting for you
state-resolved = Resolved
state-closed = Closed

error-not-found-title = Page not found
error-not-found-text = We cannot find what you are looking for. Check the address or go to the home page.
error-forbidden-title = You do not have access
error-forbidden-text = Sign in with an account that has access to this page.
error-internal-title = Something went wrong
error-internal-text = Please try again in a moment. Contact the contact center if the problem persists.
error-csrf-title = The form has expired
error-csrf-text = Reload the page and try again.

nav-main = Main menu
errands-pages = Pages
errands-filter-invalid = The filter has an invalid value. Choose again from the lists.
errand-rejected = This change cannot be made in the errand's current state.
errand-conflict-kept = Someone else changed this errand while you were writing. Your text is kept below – read the latest version and save again.
yes = Yes
violation-required = { $field } must be filled in.
violation-too_long = { $field } is too long.
violation-invalid = { $field } has an invalid value.
error-invalid-title = Could not save
error-invalid-text = The information could not be saved. Go back and check it.
