// rangefinder: the desktop inspector. Parses the command line and opens the window;
// everything else lives in ui/.
//
//   rangefinder [--float F] [--quant Q] [--images DIR|FILE]... [--session S] [--demo]

#include "inspector/main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv)
{
    QCommandLineParser parser;
    parser.setApplicationDescription("Rangefinder: see where quantization hurts a model, tune ranges, export.");
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption floatOption("float", "Float model (.h5 or .tflite).", "file");
    const QCommandLineOption quantOption("quant", "Quantized model (.tflite).", "file");
    const QCommandLineOption imagesOption("images", "Image folder or file (repeatable).", "path");
    const QCommandLineOption sessionOption("session", "Session file to restore.", "file");
    const QCommandLineOption demoOption("demo", "Open the bundled demo with its analysis.");
    const QCommandLineOption screenshotOption("screenshot", "After the analysis, save a screenshot to FILE and quit.", "file");
    parser.addOptions({floatOption, quantOption, imagesOption, sessionOption, demoOption, screenshotOption});
    // Parsed before the QApplication exists, so that --help and argument errors work
    // in a terminal without a display.
    QStringList arguments;
    for (int i = 0; i < argc; ++i) arguments << QString::fromLocal8Bit(argv[i]);
    if (!parser.parse(arguments)) {
        std::fprintf(stderr, "rangefinder: %s (see --help)\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet("help")) {
        std::fputs(qPrintable(parser.helpText().replace("<executable_name>", "rangefinder")), stdout);
        return 0;
    }
    if (parser.isSet("version")) {
        std::printf("rangefinder %s\n", RF_VERSION);
        return 0;
    }
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "rangefinder: unexpected argument '%s' (see --help)\n",
                     qPrintable(parser.positionalArguments().front()));
        return 2;
    }

    QApplication app(argc, argv);
    QApplication::setApplicationName("rangefinder");
    QApplication::setOrganizationName("Rangefinder");
    QApplication::setApplicationVersion(RF_VERSION);

    rf::ui::MainWindow window;
    window.show();
    if (parser.isSet(sessionOption)) window.openSession(parser.value(sessionOption));
    if (parser.isSet(demoOption) && !window.openDemo()) return 1;
    if (parser.isSet(floatOption)) window.openFloatModel(parser.value(floatOption));
    if (parser.isSet(quantOption)) window.openQuantModel(parser.value(quantOption));
    if (parser.isSet(imagesOption)) window.openImages(parser.values(imagesOption));

    if (parser.isSet(screenshotOption)) {
        // For the README: wait for the analysis, let the window paint, grab it.
        const QString path = parser.value(screenshotOption);
        QObject::connect(&window, &rf::ui::MainWindow::analysisFinished, &window, [&window, path] {
            QTimer::singleShot(800, &window, [&window, path] {
                const bool saved = window.grab().save(path);
                std::fprintf(stderr, "rangefinder: screenshot %s %s\n", qPrintable(path), saved ? "written" : "FAILED");
                QApplication::exit(saved ? 0 : 1);
            });
        });
    }
    return app.exec();
}
