"""Robotics: kinematics with rotation matrices, inverse-kinematics losses, quaternions."""

from __future__ import annotations

import numpy as np

from benchmarks.realistic.entry import Entry


def planar_arm(thetas, lengths):
    angles = np.cumsum(thetas)
    return np.array([np.sum(lengths * np.cos(angles)), np.sum(lengths * np.sin(angles))])


def planar_arm_jacobian(thetas, lengths):
    angles = np.cumsum(thetas)
    xs = lengths * np.cos(angles)
    ys = lengths * np.sin(angles)
    # Joint i moves every link from i on.
    return np.array([-np.cumsum(ys[::-1])[::-1], np.cumsum(xs[::-1])[::-1]])


def rot_z(t):
    c, s = np.cos(t), np.sin(t)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def rot_y(t):
    c, s = np.cos(t), np.sin(t)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def forward_kinematics(q, links):
    """End-effector position of a yaw-pitch-pitch arm."""
    R = rot_z(q[0])
    p = np.zeros(3)
    for angle, link in zip(q[1:], links):  # noqa: B905
        R = R @ rot_y(angle)
        p = p + R @ np.array([link, 0.0, 0.0])
    return p


def ik_loss(q, target, links, reg=1e-2):
    err = forward_kinematics(q, links) - target
    return err @ err + reg * q @ q


def quat_rotate(q, v):
    q = q / np.linalg.norm(q)
    w, u = q[0], q[1:]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def quat_multiply(a, b):
    w1, x1, y1, z1 = a
    w2, x2, y2, z2 = b
    return np.array([
        w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
        w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
        w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
        w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
    ])


links = np.array([0.5, 0.4])
ENTRIES = [
    Entry("planar_arm", "robotics", planar_arm,
          (np.array([0.3, -0.5, 0.9]), np.array([1.0, 0.8, 0.5])),
          exact=planar_arm_jacobian),
    Entry("forward_kinematics", "robotics", forward_kinematics,
          (np.array([0.2, 0.4, -0.3]), links)),
    Entry("ik_loss", "robotics", ik_loss,
          (np.array([0.2, 0.4, -0.3]), np.array([0.6, 0.2, 0.1]), links)),
    Entry("quat_rotate", "robotics", quat_rotate,
          (np.array([0.9, 0.1, -0.3, 0.2]), np.array([1.0, 0.5, -0.2])), argnums=(0, 1)),
    Entry("quat_multiply", "robotics", quat_multiply,
          (np.array([0.9, 0.1, -0.3, 0.2]), np.array([0.5, -0.5, 0.5, 0.5])),
          argnums=(0, 1)),
]
