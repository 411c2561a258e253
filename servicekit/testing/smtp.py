"""A local SMTP sink for tests of services that send mail: just enough SMTP to take it."""
from __future__ import annotations

import email.message
import socketserver
import threading
import time
from email import policy


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP to take mail: every message lands in ``messages``."""
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refusing = False
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.port = self.server_address[1]
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def wait_for(self, count: int, seconds: float = 10) -> list[tuple[list[str], email.message.EmailMessage]]:
        """The messages, once ``count`` have arrived (mail may be sent after the answer,
        on a thread of its own) or ``seconds`` have passed."""
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


class _SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        sink = self.server
        assert isinstance(sink, SmtpSink)
        if sink.refusing:
            self._say("554 no service")
            return
        self._say("220 sink ready")
        recipients: list[str] = []
        while line := self.rfile.readline().decode().rstrip("\r\n"):
            verb = line.split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 sink")
            elif verb == "MAIL":
                recipients = []
                self._say("250 ok")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip(" <>"))
                self._say("250 ok")
            elif verb == "DATA":
                self._say("354 go on")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                sink.messages.append((recipients, email.message_from_bytes(
                    b"".join(data), policy=policy.default)))
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 ok")

    def _say(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")
