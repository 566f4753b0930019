"""``pgnet wheelhouse``: which wheels it asks pip for, for each kind of
computer (pip itself is not run here: test_packaging.py installs a real
wheelhouse offline)."""

from pgnet.cli import main, wheelhouse


def run_recording_pip(monkeypatch, tmp_path, *args):
    calls = []
    monkeypatch.setattr(wheelhouse, "pip", lambda *words: calls.append(list(words)))
    wheel = tmp_path / "pgnet-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"")
    folder = tmp_path / "usb"
    assert main(["wheelhouse", str(folder), "--pgnet", str(wheel)] + list(args)) == 0
    assert (folder / wheel.name).exists()  # pgnet's own wheel goes in too
    assert "--no-index --find-links FOLDER" in (folder / "INSTALL.txt").read_text()
    return calls


def platforms(call):
    return [call[i + 1] for i, word in enumerate(call) if word == "--platform"]


def test_each_kind_of_computer_gets_its_own_wheels(monkeypatch, tmp_path):
    calls = run_recording_pip(monkeypatch, tmp_path, "--for", "windows", "macos", "raspberry-pi",
                              "--python", "3.12")
    assert [platforms(call) for call in calls] == [
        ["win_amd64"],
        ["macosx_11_0_arm64"], ["macosx_12_0_x86_64"],  # Apple chips, then Intel
        ["manylinux_2_28_aarch64", "manylinux2014_aarch64"],
    ]
    for call in calls:
        assert call[:1] == ["download"] and "--only-binary=:all:" in call
        assert call[call.index("--python-version") + 1] == "3.12"
        assert call[-1].endswith("pgnet-0.1.0-py3-none-any.whl[game]")


def test_pygame_ce_brings_pgzero_without_its_pygame(monkeypatch, tmp_path):
    calls = run_recording_pip(monkeypatch, tmp_path, "--for", "this", "--pygame-ce")
    assert calls[0][-1].endswith(".whl[game-ce]") and platforms(calls[0]) == []
    assert "--no-deps" in calls[1] and calls[1][-1].startswith("pgzero")
