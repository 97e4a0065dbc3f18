"""Pages for people: GOV.UK Design System pages that read and write only through the published APIs."""
