"""A download that fails for want of network says so in words, not "[Errno -2] Name or service not known"."""

from __future__ import annotations

import socket

import pytest

from photo_tagger.infra import hub_download
from photo_tagger.infra.hub_download import HubDownloadError, network_reason


def _wrapped(inner: BaseException) -> Exception:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise ConnectionError(f"HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded "
                                  f"(Caused by NameResolutionError: {exc})") from exc
    except ConnectionError as outer:
        return outer


def test_the_network_s_failures_are_said_in_words():
    error = hub_download._hub_error("immich-app/ViT-B-32__openai",
                                    _wrapped(socket.gaierror(-2, "Name or service not known")))
    assert isinstance(error, HubDownloadError) and error.reason.startswith("no network: ")
    assert "Errno" not in error.reason and "Errno" not in str(error)
    assert network_reason(_wrapped(OSError(101, "Network is unreachable"))).startswith("no network")
    assert network_reason(_wrapped(TimeoutError("timed out"))).startswith("no answer from the Hugging Face hub")
    assert network_reason(ValueError("something else")) == ""


def test_a_real_failed_listing_says_no_network_in_words():
    # The tests run with HF_HUB_OFFLINE set (no hub is reachable here); without it, .invalid never resolves (RFC
    # 2606): either way the listing fails for want of network, and says so in words.
    with pytest.raises(HubDownloadError) as caught:
        hub_download.listing("immich-app/ViT-B-32__openai", endpoint="https://hub.photo-tagger.invalid", timeout=5)
    assert caught.value.reason.startswith("no network: "), caught.value.reason
