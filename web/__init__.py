"""Web layer: demo prefecture page, embeddable chat widget, chat proxy and (web.triage) the triage page."""
