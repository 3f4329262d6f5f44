"""A real HTTP server on a free loopback port for the client's HTTP tests (gateway, scorer)."""

import threading
import unittest
from http.server import ThreadingHTTPServer


class LocalHttpTestCase(unittest.TestCase):
    """Serves ``handler`` (a BaseHTTPRequestHandler subclass set by the test class) for the class's tests at ``cls.url``."""

    handler = None

    @classmethod
    def setUpClass(cls):
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), cls.handler)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.url = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
