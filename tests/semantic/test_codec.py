import numpy as np

from knowledge.semantic.codec import pack, unpack


def test_int8_round_trip_keeps_cosines_close() -> None:
    rng = np.random.default_rng(3)
    rows = rng.normal(size=(5, 384)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    back = unpack(pack(rows), 384)
    assert back.shape == (5, 384)
    assert len(pack(rows)) == 5 * 384  # one byte per dimension
    exact = rows @ rows[0]
    approx = back @ back[0]
    assert np.max(np.abs(exact - approx)) < 0.01
    assert np.allclose(np.linalg.norm(back, axis=1), 1.0, atol=1e-5)
