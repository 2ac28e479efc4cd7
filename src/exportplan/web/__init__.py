"""The web app (issue 13): ``exportplan -w DIR serve``; see docs/web.md.

:func:`exportplan.web.app.create_app` builds it; pages are modules of ``web.pages`` that declare
their routes with :func:`exportplan.web.routes.page` and render ``web/templates`` with
:func:`exportplan.web.render.render`.
"""
