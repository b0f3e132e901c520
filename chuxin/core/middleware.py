class ChineseByDefaultMiddleware:
    """The UI is Chinese unless the user picked another language with the switch (a cookie).

    The browser's Accept-Language is ignored on purpose: an office PC set up in English still gets
    the Chinese UI its users expect; English is one click away. The JSON API is the exception: a
    program states the language of the messages it wants with Accept-Language (Chinese without it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
