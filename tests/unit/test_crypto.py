import pytest

from notify_pyramid.crypto import Encryptor, InvalidToken


def test_encrypted_value_round_trips_and_hides_the_text():
    encryptor = Encryptor("server key")
    token = encryptor.encrypt("my secret")
    assert "my secret" not in token
    assert encryptor.decrypt(token) == "my secret"
    assert encryptor.decrypt_cached(token) == "my secret"


def test_another_key_cannot_decrypt():
    token = Encryptor("server key").encrypt("my secret")
    with pytest.raises(InvalidToken):
        Encryptor("another key").decrypt(token)
